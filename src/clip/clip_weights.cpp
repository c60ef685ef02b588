// Loading a CLIP GGUF: keys and tensor shapes are checked before any data is read, so a wrong or
// damaged file fails with a message rather than a crash.
#include "clip_weights.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "clip_format.h"
#include "lingbi/util/error.h"

namespace lingbi::clip {

namespace {

namespace fmt = clip_format;

struct Reader {
  const std::string& path;
  gguf_context* g;

  int64_t find(const std::string& key, bool required) const {
    int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0 && required)
      throw Error("CLIP model " + path + " lacks the key " + key +
                  ": it is not a complete CLIP GGUF; reconvert it with `lingbi convert-clip`");
    return id;
  }
  uint32_t u32(const std::string& key) const {
    int64_t id = find(key, true);
    switch (gguf_get_kv_type(g, id)) {
      case GGUF_TYPE_UINT32: return gguf_get_val_u32(g, id);
      case GGUF_TYPE_INT32: return uint32_t(gguf_get_val_i32(g, id));
      case GGUF_TYPE_UINT64: return uint32_t(gguf_get_val_u64(g, id));
      case GGUF_TYPE_INT64: return uint32_t(gguf_get_val_i64(g, id));
      default: throw Error("CLIP model " + path + ": key " + key + " is not an integer");
    }
  }
  float f32(const std::string& key) const {
    int64_t id = find(key, true);
    if (gguf_get_kv_type(g, id) == GGUF_TYPE_FLOAT32) return gguf_get_val_f32(g, id);
    if (gguf_get_kv_type(g, id) == GGUF_TYPE_FLOAT64) return float(gguf_get_val_f64(g, id));
    throw Error("CLIP model " + path + ": key " + key + " is not a number");
  }
  bool boolean(const std::string& key, bool fallback) const {
    int64_t id = find(key, false);
    if (id < 0) return fallback;
    if (gguf_get_kv_type(g, id) != GGUF_TYPE_BOOL) throw Error("CLIP model " + path + ": key " + key + " is not a bool");
    return gguf_get_val_bool(g, id);
  }
  std::string str(const std::string& key) const {
    int64_t id = find(key, false);
    if (id < 0 || gguf_get_kv_type(g, id) != GGUF_TYPE_STRING) return {};
    return gguf_get_val_str(g, id);
  }
  std::vector<float> floats(const std::string& key, size_t n) const {
    int64_t id = find(key, true);
    if (gguf_get_kv_type(g, id) != GGUF_TYPE_ARRAY || gguf_get_arr_n(g, id) != n)
      throw Error("CLIP model " + path + ": key " + key + " must be an array of " + std::to_string(n) + " numbers");
    std::vector<float> out(n);
    const void* data = gguf_get_arr_data(g, id);
    if (gguf_get_arr_type(g, id) == GGUF_TYPE_FLOAT32) std::memcpy(out.data(), data, n * sizeof(float));
    else if (gguf_get_arr_type(g, id) == GGUF_TYPE_FLOAT64)
      for (size_t i = 0; i < n; ++i) out[i] = float(static_cast<const double*>(data)[i]);
    else throw Error("CLIP model " + path + ": key " + key + " must hold floats");
    return out;
  }
  std::vector<std::string> strings(const std::string& key, bool required) const {
    int64_t id = find(key, required);
    std::vector<std::string> out;
    if (id < 0) return out;
    if (gguf_get_kv_type(g, id) != GGUF_TYPE_ARRAY || gguf_get_arr_type(g, id) != GGUF_TYPE_STRING)
      throw Error("CLIP model " + path + ": key " + key + " must be an array of strings");
    size_t n = gguf_get_arr_n(g, id);
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.emplace_back(gguf_get_arr_str(g, id, i));
    return out;
  }
};

struct TensorFinder {
  const std::string& path;
  ggml_context* ctx;

  ggml_tensor* get(const std::string& name, std::vector<int64_t> shape, bool required = true) const {
    ggml_tensor* t = ggml_get_tensor(ctx, name.c_str());
    if (t == nullptr) {
      if (!required) return nullptr;
      throw Error("CLIP model " + path + " lacks the tensor " + name +
                  ": the file is incomplete or not a CLIP model; reconvert it with `lingbi convert-clip`");
    }
    shape.resize(GGML_MAX_DIMS, 1);
    for (int d = 0; d < GGML_MAX_DIMS; ++d) {
      if (t->ne[d] != shape[d]) {
        std::string want, have;
        for (int k = 0; k < GGML_MAX_DIMS; ++k) {
          if (k > 0) {
            want += ',';
            have += ',';
          }
          want += std::to_string(shape[k]);
          have += std::to_string(t->ne[k]);
        }
        throw Error("CLIP model " + path + ": tensor " + name + " has shape [" + have + "], expected [" +
                    want + "] from the file's hyper-parameters; the file is damaged or mislabelled");
      }
    }
    return t;
  }
};

void read_tower_params(const Reader& r, const std::string& prefix, ClipTower& t) {
  t.n_embd = int(r.u32(fmt::key_embedding_length(prefix)));
  t.n_ff = int(r.u32(fmt::key_feed_forward_length(prefix)));
  t.n_head = int(r.u32(fmt::key_head_count(prefix)));
  t.n_layer = int(r.u32(fmt::key_block_count(prefix)));
  t.proj_dim = int(r.u32(fmt::key_projection_dim(prefix)));
  t.eps = r.f32(fmt::key_layer_norm_eps(prefix));
  if (t.n_embd <= 0 || t.n_head <= 0 || t.n_embd % t.n_head != 0 || t.n_layer <= 0 || t.n_ff <= 0 ||
      t.proj_dim <= 0 || t.n_layer > 1000)
    throw Error("CLIP model " + r.path + ": the " + prefix + " hyper-parameters are inconsistent");
}

void find_layers(const TensorFinder& f, const std::string& p, ClipTower& t) {
  const int64_t e = t.n_embd, ff = t.n_ff;
  for (int i = 0; i < t.n_layer; ++i) {
    const std::string b = p + ".blk." + std::to_string(i) + ".";
    ClipLayer l{};
    l.q_w = f.get(b + "attn_q.weight", {e, e});
    l.q_b = f.get(b + "attn_q.bias", {e});
    l.k_w = f.get(b + "attn_k.weight", {e, e});
    l.k_b = f.get(b + "attn_k.bias", {e});
    l.v_w = f.get(b + "attn_v.weight", {e, e});
    l.v_b = f.get(b + "attn_v.bias", {e});
    l.o_w = f.get(b + "attn_out.weight", {e, e});
    l.o_b = f.get(b + "attn_out.bias", {e});
    l.ln1_w = f.get(b + "ln1.weight", {e});
    l.ln1_b = f.get(b + "ln1.bias", {e});
    l.ln2_w = f.get(b + "ln2.weight", {e});
    l.ln2_b = f.get(b + "ln2.bias", {e});
    l.fc1_w = f.get(b + "ffn_down.weight", {e, ff});
    l.fc1_b = f.get(b + "ffn_down.bias", {ff});
    l.fc2_w = f.get(b + "ffn_up.weight", {ff, e});
    l.fc2_b = f.get(b + "ffn_up.bias", {e});
    t.layers.push_back(l);
  }
}

void check_magic(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error("CLIP model " + path + " does not exist or is not a file: check the path");
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  if (!in || std::memcmp(magic, "GGUF", 4) != 0)
    throw Error("CLIP model " + path + " is not a GGUF file: convert a Hugging Face CLIP folder with "
                "`lingbi convert-clip --hf DIR --out model.gguf`");
}

void read_tensor_data(const std::string& path, gguf_context* g, ggml_context* ctx) {
  std::ifstream in(path, std::ios::binary);
  const uint64_t file_size = std::filesystem::file_size(path);
  const size_t data_offset = gguf_get_data_offset(g);
  std::vector<char> buf;
  for (int64_t i = 0; i < gguf_get_n_tensors(g); ++i) {
    const char* name = gguf_get_tensor_name(g, i);
    ggml_tensor* t = ggml_get_tensor(ctx, name);
    const size_t size = ggml_nbytes(t);
    const uint64_t offset = data_offset + gguf_get_tensor_offset(g, i);
    if (offset + size > file_size)
      throw Error("CLIP model " + path + " is truncated (tensor " + name + " ends past the end of the file): "
                  "download or convert it again");
    buf.resize(size);
    in.seekg(std::streamoff(offset));
    in.read(buf.data(), std::streamsize(size));
    if (!in) throw Error("CLIP model " + path + ": reading tensor " + std::string(name) + " failed");
    ggml_backend_tensor_set(t, buf.data(), 0, size);
  }
}

}  // namespace

ClipWeights load_clip_weights(const std::string& path, ggml_backend_t backend) {
  check_magic(path);
  ClipWeights w;
  ggml_context* meta = nullptr;
  gguf_init_params params{/*no_alloc=*/true, &meta};
  w.gguf.reset(gguf_init_from_file(path.c_str(), params));
  if (!w.gguf) throw Error("CLIP model " + path + " is a damaged or truncated GGUF file: download or convert it again");
  w.ctx.reset(meta);
  const Reader r{path, w.gguf.get()};
  const std::string arch = r.str(fmt::kKeyArchitecture);
  if (arch != fmt::kArchitecture)
    throw Error("model " + path + " has architecture \"" + arch + "\", not \"clip\": give a CLIP GGUF "
                "(for example one made by `lingbi convert-clip`)");
  w.name = r.str(fmt::kKeyName);
  if (w.name.empty()) w.name = std::filesystem::path(path).stem().string();
  w.use_gelu = r.boolean(fmt::kKeyUseGelu, false);
  const std::string family = r.str(fmt::kKeyFamily);
  try {
    w.family = family.empty() ? ClipFamily::clip : parse_clip_family(family);
  } catch (const Error&) {
    throw Error("CLIP model " + path + " is of family \"" + family +
                "\", which this lingbi does not know (clip, chinese_clip, siglip): update lingbi");
  }
  w.multilingual = r.boolean(fmt::kKeyMultilingual, w.family == ClipFamily::chinese_clip);
  w.preprocess.stretch = r.boolean(fmt::kKeyStretch, false);
  const std::string act = r.str(fmt::kKeyHiddenAct);
  if (!act.empty() && act != "gelu_pytorch_tanh" && act != "gelu" && act != "quick_gelu")
    throw Error("CLIP model " + path + ": activation \"" + act + "\" is not supported (gelu, quick_gelu, gelu_pytorch_tanh)");
  w.gelu_tanh = act == "gelu_pytorch_tanh";
  if (act == "gelu") w.use_gelu = true;
  w.text.present = r.boolean(fmt::kKeyHasText, true);
  w.vision.present = r.boolean(fmt::kKeyHasVision, true);
  if (!w.text.present && !w.vision.present) throw Error("CLIP model " + path + " has neither a text nor a vision tower");

  const TensorFinder f{path, meta};
  if (w.text.present) {
    ClipTower& t = w.text;
    read_tower_params(r, "clip.text", t);
    t.context_length = int(r.u32(fmt::key_context_length("clip.text")));
    w.tokens = r.strings(fmt::kKeyTokens, w.family != ClipFamily::siglip);
    w.merges = r.strings(fmt::kKeyMerges, false);
    const int64_t e = t.n_embd;
    if (w.family == ClipFamily::siglip) {
      const int64_t id = gguf_find_key(w.gguf.get(), fmt::kKeySpmModel);
      if (id < 0 || gguf_get_kv_type(w.gguf.get(), id) != GGUF_TYPE_ARRAY || gguf_get_arr_type(w.gguf.get(), id) != GGUF_TYPE_UINT8)
        throw Error("CLIP model " + path + " lacks its SentencePiece model (" + fmt::kKeySpmModel +
                    "): reconvert it with `lingbi convert-clip`");
      w.spm_model.assign(static_cast<const char*>(gguf_get_arr_data(w.gguf.get(), id)), gguf_get_arr_n(w.gguf.get(), id));
      w.lower_case = r.boolean(fmt::kKeyLowerCase, true);
      w.remove_punctuation = r.boolean(fmt::kKeyRemovePunctuation, false);
      w.add_bos = r.boolean(fmt::kKeyAddBos, false);
      w.add_eos = r.boolean(fmt::kKeyAddEos, true);
      w.bos_token = r.str(fmt::kKeyBosToken);
      w.eos_token = r.str(fmt::kKeyEosToken);
      w.pad_token = r.str(fmt::kKeyPadToken);
      w.logit_scale = r.f32(fmt::kKeyLogitScale);
      w.logit_bias = r.f32(fmt::kKeyLogitBias);
      // The vocabulary size is the SentencePiece model's (checked against it when the tokenizer loads).
      ggml_tensor* te = ggml_get_tensor(meta, "t.token_embd.weight");
      if (!te) throw Error("CLIP model " + path + " lacks the tensor t.token_embd.weight");
      t.token_embd = f.get("t.token_embd.weight", {e, te->ne[1]});
    } else {
      t.token_embd = f.get("t.token_embd.weight", {e, int64_t(w.tokens.size())});
    }
    t.position_embd = f.get("t.position_embd.weight", {e, t.context_length});
    find_layers(f, "t", t);
    if (w.family == ClipFamily::chinese_clip) {
      w.lower_case = r.boolean(fmt::kKeyLowerCase, true);
      w.strip_accents = r.boolean(fmt::kKeyStripAccents, w.lower_case);
      t.embd_ln_w = f.get("t.embd_ln.weight", {e});
      t.embd_ln_b = f.get("t.embd_ln.bias", {e});
    } else {
      t.post_ln_w = f.get("t.post_ln.weight", {e});
      t.post_ln_b = f.get("t.post_ln.bias", {e});
    }
    if (w.family == ClipFamily::siglip) {
      t.head_w = f.get("t.head.weight", {e, t.proj_dim});
      t.head_b = f.get("t.head.bias", {t.proj_dim});
    }
    if (w.family != ClipFamily::siglip) t.projection = f.get("text_projection.weight", {e, t.proj_dim});
  }
  if (w.vision.present) {
    ClipTower& v = w.vision;
    read_tower_params(r, "clip.vision", v);
    v.image_size = int(r.u32(fmt::kKeyImageSize));
    v.patch_size = int(r.u32(fmt::kKeyPatchSize));
    if (v.patch_size <= 0 || v.image_size <= 0 || v.image_size % v.patch_size != 0 || v.image_size > 4096)
      throw Error("CLIP model " + path + ": image_size must be a multiple of patch_size");
    const std::vector<float> mean = r.floats(fmt::kKeyImageMean, 3), std = r.floats(fmt::kKeyImageStd, 3);
    w.preprocess.image_size = v.image_size;
    for (int c = 0; c < 3; ++c) {
      w.preprocess.mean[c] = mean[c];
      w.preprocess.std[c] = std[c];
    }
    const int64_t e = v.n_embd, p = v.patch_size, n_side = v.image_size / v.patch_size;
    v.patch_embd = f.get("v.patch_embd.weight", {p, p, 3, e});
    if (w.family == ClipFamily::siglip) {
      // No class token, no pre-LayerNorm, no projection: the pooling head's output is the embedding.
      if (v.proj_dim != v.n_embd) throw Error("CLIP model " + path + ": a SigLIP vision projection_dim must equal its width");
      v.patch_b = f.get("v.patch_embd.bias", {e});
      v.position_embd = f.get("v.position_embd.weight", {e, n_side * n_side});
      find_layers(f, "v", v);
      v.post_ln_w = f.get("v.post_ln.weight", {e});
      v.post_ln_b = f.get("v.post_ln.bias", {e});
      v.probe = f.get("v.head.probe", {e});
      v.head_qkv_w = f.get("v.head.attn_qkv.weight", {e, 3 * e});
      v.head_qkv_b = f.get("v.head.attn_qkv.bias", {3 * e});
      v.head_o_w = f.get("v.head.attn_out.weight", {e, e});
      v.head_o_b = f.get("v.head.attn_out.bias", {e});
      v.head_ln_w = f.get("v.head.ln.weight", {e});
      v.head_ln_b = f.get("v.head.ln.bias", {e});
      v.head_fc1_w = f.get("v.head.ffn_down.weight", {e, v.n_ff});
      v.head_fc1_b = f.get("v.head.ffn_down.bias", {v.n_ff});
      v.head_fc2_w = f.get("v.head.ffn_up.weight", {v.n_ff, e});
      v.head_fc2_b = f.get("v.head.ffn_up.bias", {e});
    } else {
      v.class_embd = f.get("v.class_embd", {e});
      v.position_embd = f.get("v.position_embd.weight", {e, n_side * n_side + 1});
      v.pre_ln_w = f.get("v.pre_ln.weight", {e});
      v.pre_ln_b = f.get("v.pre_ln.bias", {e});
      find_layers(f, "v", v);
      v.post_ln_w = f.get("v.post_ln.weight", {e});
      v.post_ln_b = f.get("v.post_ln.bias", {e});
      v.projection = f.get("visual_projection.weight", {e, v.proj_dim});
    }
  }
  if (w.text.present && w.vision.present && w.text.proj_dim != w.vision.proj_dim)
    throw Error("CLIP model " + path + ": text and vision projection sizes differ");

  w.buffer.reset(ggml_backend_alloc_ctx_tensors(meta, backend));
  if (!w.buffer) throw Error("not enough memory on device " + std::string(ggml_backend_name(backend)) +
                             " for CLIP model " + path);
  read_tensor_data(path, w.gguf.get(), meta);
  return w;
}

}  // namespace lingbi::clip

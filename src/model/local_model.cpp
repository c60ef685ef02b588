// LocalModel: llama.cpp + mtmd in process, with KV prefix reuse and an image-embedding cache.
#include "lingbi/local_model.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "chat.h"
#include "common.h"
#include "gguf.h"
#include "gguf_check.h"
#include "image_bytes.h"
#include "kv_prefix.h"
#include "lingbi/error.h"
#include "lingbi/json_schema.h"
#include "llama_handles.h"
#include "log.h"
#include "text_stream.h"

namespace lingbi {

using namespace model_detail;

namespace {

void quiet_log(ggml_log_level, const char*, void*) {}

// llama.cpp's logging is process-wide: quiet unless some LocalModel asked to be verbose.
void set_llama_logging(bool verbose) {
  static std::once_flag backend_once;
  std::call_once(backend_once, [] { llama_backend_init(); });
  llama_log_set(verbose ? nullptr : quiet_log, nullptr);
  mtmd_log_set(verbose ? nullptr : quiet_log, nullptr);
  mtmd_helper_log_set(verbose ? nullptr : quiet_log, nullptr);
  common_log_set_verbosity_thold(verbose ? 0 : -1);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// The KV key of position `i` inside the image with id `image_id`: tagged by the top bit so that
// it never equals a token id.
uint64_t image_position_key(uint64_t image_hash, size_t i) { return (image_hash + i * 0x9E3779B97F4A7C15ull) | (1ull << 63); }

// The tokenized prompt: mtmd chunks (or plain tokens without an mmproj) and their KV keys.
struct Prompt {
  MtmdChunksPtr chunks;               // with an mmproj
  std::vector<llama_token> tokens;    // without one
  PositionKeys keys;                  // one per position
  std::vector<std::pair<size_t, size_t>> image_spans;
  common_chat_params chat;
};

}  // namespace

struct LocalModel::Impl {
  LocalModelOptions options;
  LlamaModelPtr model;
  LlamaContextPtr ctx;
  MtmdPtr mtmd;
  common_chat_templates_ptr templates;
  const llama_vocab* vocab = nullptr;
  int n_ctx = 0;
  int n_batch = 512;
  std::mutex mutex;
  PositionKeys cached;  // what seq 0 of the KV cache holds, one key per position
  std::unordered_map<std::string, std::vector<float>> image_embeddings;  // image id -> embedding
  std::deque<std::string> image_order;                                   // ids, oldest first
  std::atomic<int> images_encoded{0};
  const std::atomic<bool>* cancel = nullptr;  // the running request's flag, for the abort callback

  static bool abort_callback(void* data) {
    auto* self = static_cast<Impl*>(data);
    return self->cancel != nullptr && self->cancel->load();
  }

  void load() {
    set_llama_logging(options.verbose);
    check_gguf_file(options.model, "model");
    auto mp = llama_model_default_params();
    mp.n_gpu_layers = options.gpu_layers;
    model.reset(llama_model_load_from_file(options.model.c_str(), mp));
    if (!model) {
      throw Error("model file " + options.model.string() +
                  " could not be loaded by llama.cpp (unsupported architecture or damaged file); "
                  "run with verbose logging to see why");
    }
    vocab = llama_model_get_vocab(model.get());
    auto cp = llama_context_default_params();
    cp.n_ctx = static_cast<uint32_t>(std::max(0, options.context));
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = options.threads > 0 ? options.threads : std::min(hw, 8);
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.n_batch = static_cast<uint32_t>(n_batch);
    cp.no_perf = true;
    ctx.reset(llama_init_from_model(model.get(), cp));
    if (!ctx) throw Error("cannot create a llama.cpp context of " + std::to_string(options.context) + " tokens for " +
                          options.model.string() + ": try a smaller -c");
    n_ctx = static_cast<int>(llama_n_ctx(ctx.get()));
    llama_set_abort_callback(ctx.get(), &Impl::abort_callback, this);
    try {
      templates = common_chat_templates_init(model.get(), options.chat_template);
    } catch (const std::exception& e) {
      throw Error("the chat template in " + options.model.string() + " cannot be used: " + e.what());
    }
    if (!options.mmproj.empty()) load_mmproj(threads);
  }

  void load_mmproj(int threads) {
    check_gguf_file(options.mmproj, "mmproj");
    // Compare widths first: mtmd would only say "failed to load".
    {
      gguf_init_params gp{true, nullptr};
      std::unique_ptr<gguf_context, void (*)(gguf_context*)> g(gguf_init_from_file(options.mmproj.c_str(), gp),
                                                               gguf_free);
      const int64_t key = g ? gguf_find_key(g.get(), "clip.vision.projection_dim") : -1;
      const int n_text = llama_model_n_embd_inp(model.get());
      if (key >= 0 && gguf_get_kv_type(g.get(), key) == GGUF_TYPE_UINT32 &&
          static_cast<int>(gguf_get_val_u32(g.get(), key)) != n_text) {
        throw Error("mmproj " + options.mmproj.string() + " does not fit model " + options.model.string() +
                    ": it makes image embeddings " + std::to_string(gguf_get_val_u32(g.get(), key)) +
                    " wide, the model's are " + std::to_string(n_text) + "; use the mmproj made for this model");
      }
    }
    auto mp = mtmd_context_params_default();
    mp.use_gpu = options.gpu_layers != 0;
    mp.n_threads = threads;
    mp.print_timings = false;
    mp.warmup = false;
    mtmd.reset(mtmd_init_from_file(options.mmproj.c_str(), model.get(), mp));
    if (!mtmd) {
      throw Error("mmproj " + options.mmproj.string() + " could not be loaded for model " + options.model.string() +
                  " (it does not fit this model, or is not an mtmd projector); use the mmproj made for this model");
    }
  }

  // Applies the chat template and tokenizes the result (images included).
  Prompt build_prompt(const ChatRequest& req) {
    Prompt p;
    common_chat_templates_inputs in;
    std::vector<const ContentPart*> images;
    const char* marker = mtmd ? mtmd_default_marker() : "";
    for (const auto& m : req.messages) {
      common_chat_msg msg;
      msg.role = role_name(m.role);
      for (const auto& part : m.parts) {
        if (part.is_image()) {
          if (!mtmd) {
            throw Error("model " + options.model.string() + " was loaded without an mmproj, so it cannot read " +
                        image_label(part) + ": pass --mmproj");
          }
          images.push_back(&part);
          msg.content += marker;
        } else {
          msg.content += part.text;
        }
      }
      in.messages.push_back(std::move(msg));
    }
    if (in.messages.empty()) throw Error("a chat request needs at least one message");
    in.json_schema = req.json_schema;
    in.add_generation_prompt = true;
    in.use_jinja = true;
    in.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    try {
      p.chat = common_chat_templates_apply(templates.get(), in);
    } catch (const std::exception& e) {
      throw Error(std::string("cannot build the prompt (chat template or JSON schema rejected): ") + e.what());
    }
    if (!mtmd) {
      p.tokens = common_tokenize(vocab, p.chat.prompt, true, true);
      p.keys.assign(p.tokens.begin(), p.tokens.end());
      return p;
    }
    std::vector<MtmdBitmapPtr> bitmaps;
    std::vector<const mtmd_bitmap*> raw;
    for (const ContentPart* part : images) {
      const std::string bytes = image_bytes(*part);
      auto w = mtmd_helper_bitmap_init_from_buf(mtmd.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                                bytes.size(), false, mtmd_helper_init_opt_default());
      if (!w.bitmap) {
        throw Error(image_label(*part) + " could not be decoded as an image (supported: PNG, JPEG, BMP, GIF)");
      }
      bitmaps.emplace_back(w.bitmap);
      raw.push_back(w.bitmap);
    }
    p.chunks.reset(mtmd_input_chunks_init());
    mtmd_input_text text{p.chat.prompt.c_str(), p.chat.prompt.size(), true, true};
    const int rc = mtmd_tokenize(mtmd.get(), p.chunks.get(), &text, raw.data(), raw.size());
    if (rc != 0) throw Error("the images of the request could not be prepared for the model (mtmd error " + std::to_string(rc) + ")");
    for (size_t i = 0; i < mtmd_input_chunks_size(p.chunks.get()); ++i) {
      const mtmd_input_chunk* c = mtmd_input_chunks_get(p.chunks.get(), i);
      if (mtmd_input_chunk_get_type(c) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
        size_t n = 0;
        const llama_token* t = mtmd_input_chunk_get_tokens_text(c, &n);
        p.keys.insert(p.keys.end(), t, t + n);
      } else {
        const size_t n = mtmd_input_chunk_get_n_tokens(c);
        const uint64_t h = fnv1a(mtmd_input_chunk_get_id(c) ? mtmd_input_chunk_get_id(c) : "");
        const size_t begin = p.keys.size();
        for (size_t j = 0; j < n; ++j) p.keys.push_back(image_position_key(h, j));
        p.image_spans.emplace_back(begin, p.keys.size());
      }
    }
    return p;
  }

  // Decodes text tokens [from, to) of `tokens` at positions starting at `pos`; logits for the last
  // one when `logits_last`. Returns false when cancelled.
  bool decode_tokens(const llama_token* tokens, size_t n, size_t pos, bool logits_last) {
    llama_batch batch = llama_batch_init(n_batch, 0, 1);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i += n_batch) {
      common_batch_clear(batch);
      const size_t end = std::min(n, i + n_batch);
      for (size_t j = i; j < end; ++j) {
        common_batch_add(batch, tokens[j], static_cast<llama_pos>(pos + j), {0}, logits_last && j + 1 == n);
      }
      const int rc = llama_decode(ctx.get(), batch);
      if (rc == 2) ok = false;  // aborted by the cancel flag
      else if (rc != 0) {
        llama_batch_free(batch);
        throw Error("llama.cpp failed to evaluate the prompt (error " + std::to_string(rc) + "); try a larger -c");
      }
      if (ok) cached.insert(cached.end(), tokens + i, tokens + end);
    }
    llama_batch_free(batch);
    return ok;
  }

  bool decode_image(const mtmd_input_chunk* chunk, const PositionKeys& keys, size_t pos) {
    const std::string id = mtmd_input_chunk_get_id(chunk) ? mtmd_input_chunk_get_id(chunk) : "";
    auto it = image_embeddings.find(id);
    if (it == image_embeddings.end() || id.empty()) {
      if (mtmd_encode_chunk(mtmd.get(), chunk) != 0) throw Error("the mmproj failed to encode an image");
      ++images_encoded;
      const size_t n = mtmd_input_chunk_get_n_tokens(chunk) * static_cast<size_t>(llama_model_n_embd_inp(model.get()));
      const float* e = mtmd_get_output_embd(mtmd.get());
      while (!image_order.empty() && static_cast<int>(image_order.size()) >= std::max(1, options.image_cache)) {
        image_embeddings.erase(image_order.front());
        image_order.pop_front();
      }
      it = image_embeddings.insert_or_assign(id, std::vector<float>(e, e + n)).first;
      image_order.push_back(id);
    }
    llama_pos new_pos = 0;
    const int rc = mtmd_helper_decode_image_chunk(mtmd.get(), ctx.get(), chunk, it->second.data(),
                                                  static_cast<llama_pos>(pos), 0, n_batch, &new_pos, nullptr, nullptr);
    if (options.image_cache <= 0) {
      image_embeddings.clear();
      image_order.clear();
    }
    if (rc != 0) {
      if (cancel && cancel->load()) return false;
      throw Error("llama.cpp failed to evaluate an image (error " + std::to_string(rc) + ")");
    }
    const size_t n = mtmd_input_chunk_get_n_tokens(chunk);
    cached.insert(cached.end(), keys.begin() + static_cast<long>(pos), keys.begin() + static_cast<long>(pos + n));
    return true;
  }

  // Evaluates the prompt from position `from` on. Returns false when cancelled.
  bool evaluate(const Prompt& p, size_t from) {
    if (!mtmd) return decode_tokens(p.tokens.data() + from, p.tokens.size() - from, from, true);
    size_t pos = 0;
    const size_t n_chunks = mtmd_input_chunks_size(p.chunks.get());
    for (size_t i = 0; i < n_chunks; ++i) {
      const mtmd_input_chunk* c = mtmd_input_chunks_get(p.chunks.get(), i);
      const size_t n = mtmd_input_chunk_get_n_tokens(c);
      const bool last = i + 1 == n_chunks;
      if (pos + n > from) {
        if (mtmd_input_chunk_get_type(c) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
          size_t nt = 0;
          const llama_token* t = mtmd_input_chunk_get_tokens_text(c, &nt);
          const size_t skip = from > pos ? from - pos : 0;
          if (!decode_tokens(t + skip, nt - skip, pos + skip, last)) return false;
        } else {
          if (!decode_image(c, p.keys, pos)) return false;
        }
      }
      pos += n;
    }
    return true;
  }

  SamplerPtr make_sampler(const ChatRequest& req, const Prompt& p) {
    common_params_sampling sp;
    const Sampling& s = req.sampling;
    std::optional<uint32_t> seed = s.seed ? s.seed : options.seed;
    sp.seed = seed ? *seed : static_cast<uint32_t>(std::random_device{}());
    sp.temp = s.temperature;
    sp.top_k = s.top_k;
    sp.top_p = s.top_p;
    sp.min_p = s.min_p;
    sp.penalty_repeat = s.repeat_penalty;
    sp.no_perf = true;
    if (!p.chat.grammar.empty()) {
      sp.grammar = common_grammar(COMMON_GRAMMAR_TYPE_OUTPUT_FORMAT, p.chat.grammar);
      sp.grammar_lazy = p.chat.grammar_lazy;
      sp.grammar_triggers = p.chat.grammar_triggers;
      sp.generation_prompt = p.chat.generation_prompt;
      for (const auto& t : p.chat.preserved_tokens) {
        auto ids = common_tokenize(vocab, t, false, true);
        if (ids.size() == 1) sp.preserved_tokens.insert(ids[0]);
      }
    }
    try {
      SamplerPtr smpl(common_sampler_init(model.get(), sp));
      if (!smpl) throw Error("cannot set up sampling (the JSON schema's grammar was rejected)");
      return smpl;
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(std::string("cannot set up sampling for the JSON schema: ") + e.what());
    }
  }

  ChatResult chat(const ChatRequest& req) {
    std::lock_guard<std::mutex> lock(mutex);
    cancel = req.cancel;
    struct ResetCancel {
      Impl* self;
      ~ResetCancel() { self->cancel = nullptr; }
    } reset{this};

    ChatResult result;
    const auto t0 = std::chrono::steady_clock::now();
    Prompt p = build_prompt(req);
    const size_t n_prompt = p.keys.size();
    if (static_cast<int>(n_prompt) >= n_ctx) {
      throw Error("the prompt has " + std::to_string(n_prompt) + " tokens but the context holds " +
                  std::to_string(n_ctx) + ": raise -c or shorten the request");
    }
    size_t keep = reusable_prefix(cached, p.keys, p.image_spans);
    llama_memory_t mem = llama_get_memory(ctx.get());
    if (!llama_memory_seq_rm(mem, 0, static_cast<llama_pos>(keep), -1)) {
      llama_memory_clear(mem, true);
      keep = 0;
    }
    cached.resize(keep);
    result.tokens.prompt_reused = static_cast<int>(keep);
    const bool evaluated = evaluate(p, keep);
    result.tokens.prompt_evaluated = static_cast<int>(cached.size() - keep);
    result.prompt_ms = ms_since(t0);
    if (!evaluated) {
      result.finish = FinishReason::cancelled;
      return result;
    }
    generate(req, p, result);
    return result;
  }

  void generate(const ChatRequest& req, const Prompt& p, ChatResult& result) {
    const auto t0 = std::chrono::steady_clock::now();
    SamplerPtr smpl = make_sampler(req, p);
    std::vector<std::string> stops = req.sampling.stop;
    stops.insert(stops.end(), p.chat.additional_stops.begin(), p.chat.additional_stops.end());

    common_chat_parser_params parse_params(p.chat);
    parse_params.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    if (!p.chat.parser.empty()) parse_params.parser.load(p.chat.parser);
    auto parse = [&](const std::string& raw, bool partial) {
      try {
        return common_chat_parse(raw, partial, parse_params);
      } catch (const std::exception&) {
        common_chat_msg m;
        m.content = raw;
        return m;
      }
    };

    std::string raw, emitted;
    auto stream = [&](const std::string& content) {
      if (!req.on_text || content.size() <= emitted.size() || content.compare(0, emitted.size(), emitted) != 0) return;
      const std::string piece = content.substr(emitted.size());
      emitted = content;
      req.on_text(piece);
    };

    result.finish = FinishReason::length;
    llama_batch batch = llama_batch_init(1, 0, 1);
    const int max_tokens = std::max(0, req.sampling.max_tokens);
    while (result.tokens.generated < max_tokens) {
      if (req.cancel && req.cancel->load()) {
        result.finish = FinishReason::cancelled;
        break;
      }
      if (static_cast<int>(cached.size()) >= n_ctx) break;  // context full: length
      const llama_token tok = common_sampler_sample(smpl.get(), ctx.get(), -1);
      common_sampler_accept(smpl.get(), tok, true);
      if (llama_vocab_is_eog(vocab, tok)) {
        result.finish = FinishReason::stop;
        break;
      }
      ++result.tokens.generated;
      raw += common_token_to_piece(ctx.get(), tok, false);
      const size_t stop_at = find_stop(raw, stops);
      if (stop_at != std::string::npos) {
        raw.resize(stop_at);
        result.finish = FinishReason::stop;
        break;
      }
      if (req.on_text) stream(parse(raw.substr(0, safe_prefix_length(raw, stops)), true).content);
      if (result.tokens.generated >= max_tokens) break;
      common_batch_clear(batch);
      common_batch_add(batch, tok, static_cast<llama_pos>(cached.size()), {0}, true);
      const int rc = llama_decode(ctx.get(), batch);
      if (rc == 2) {
        result.finish = FinishReason::cancelled;
        break;
      }
      if (rc != 0) {
        llama_batch_free(batch);
        throw Error("llama.cpp failed to evaluate a generated token (error " + std::to_string(rc) + ")");
      }
      cached.push_back(static_cast<uint64_t>(tok));
    }
    llama_batch_free(batch);
    common_chat_msg msg = parse(raw, result.finish == FinishReason::cancelled);
    if (req.on_text) stream(msg.content);
    result.text = req.on_text && msg.content.compare(0, emitted.size(), emitted) != 0 ? emitted : msg.content;
    result.reasoning = msg.reasoning_content;
    result.generation_ms = ms_since(t0);
    // The grammar makes this hold; checked anyway so both backends keep the same promise.
    if (!req.json_schema.empty() && result.finish == FinishReason::stop && req.sampling.stop.empty()) {
      parse_and_validate(req.json_schema, result.text);
    }
  }
};

LocalModel::LocalModel(const LocalModelOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->load();
}

LocalModel::~LocalModel() = default;

ChatResult LocalModel::chat(const ChatRequest& request) { return impl_->chat(request); }

std::string LocalModel::describe() const {
  std::string d = "local " + impl_->options.model.string();
  if (impl_->mtmd) d += " + " + impl_->options.mmproj.string();
  return d;
}

bool LocalModel::supports_images() const { return impl_->mtmd != nullptr; }

int LocalModel::count_prompt_tokens(const ChatRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<int>(impl_->build_prompt(request).keys.size());
}

void LocalModel::clear_cache() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  llama_memory_clear(llama_get_memory(impl_->ctx.get()), true);
  impl_->cached.clear();
}

int LocalModel::images_encoded() const { return impl_->images_encoded.load(); }

}  // namespace lingbi

// LocalModel: the chat template, tokenization with images, and prompt evaluation that keeps the
// KV cache's common prefix (see kv_prefix.h) and reuses cached image embeddings.
#include <algorithm>

#include "common.h"
#include "image_bytes.h"
#include "lingbi/util/error.h"
#include "local_model_impl.h"

namespace lingbi {

using namespace model_detail;

namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// The KV key of position `i` inside the image whose id hashes to `image_hash`: tagged by the top
// bit so that it never equals a token id.
uint64_t image_position_key(uint64_t image_hash, size_t i) {
  return (image_hash + i * 0x9E3779B97F4A7C15ull) | (1ull << 63);
}

}  // namespace

// Applies the chat template and tokenizes the result (images included).
Prompt LocalModel::Impl::build_prompt(const ChatRequest& req) {
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
          throw Error("model " + options.model.string() +
                      " was loaded without an mmproj, so it cannot read " + image_label(part) +
                      ": pass --mmproj");
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
    answers.restore(p.tokens);
    p.keys.assign(p.tokens.begin(), p.tokens.end());
    return p;
  }
  std::vector<MtmdBitmapPtr> bitmaps;
  std::vector<const mtmd_bitmap*> raw;
  for (const ContentPart* part : images) {
    const std::string bytes = image_bytes(*part);
    auto w =
        mtmd_helper_bitmap_init_from_buf(mtmd.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                         bytes.size(), false, mtmd_helper_init_opt_default());
    if (!w.bitmap) {
      throw Error(image_label(*part) + " could not be decoded as an image");
    }
    bitmaps.emplace_back(w.bitmap);
    raw.push_back(w.bitmap);
  }
  p.chunks.reset(mtmd_input_chunks_init());
  mtmd_input_text text{p.chat.prompt.c_str(), p.chat.prompt.size(), true, true};
  const int rc = mtmd_tokenize(mtmd.get(), p.chunks.get(), &text, raw.data(), raw.size());
  if (rc != 0)
    throw Error("the images of the request could not be prepared for the model (mtmd error " +
                std::to_string(rc) + ")");
  for (size_t i = 0; i < mtmd_input_chunks_size(p.chunks.get()); ++i) {
    const mtmd_input_chunk* c = mtmd_input_chunks_get(p.chunks.get(), i);
    std::vector<llama_token>& text = p.chunk_tokens.emplace_back();
    if (mtmd_input_chunk_get_type(c) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
      size_t n = 0;
      const llama_token* t = mtmd_input_chunk_get_tokens_text(c, &n);
      text.assign(t, t + n);
      answers.restore(text);
      p.keys.insert(p.keys.end(), text.begin(), text.end());
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
bool LocalModel::Impl::decode_tokens(const llama_token* tokens, size_t n, size_t pos, bool logits_last) {
  Batch batch(n_batch, 0, 1);
  bool ok = true;
  for (size_t i = 0; i < n && ok; i += n_batch) {
    common_batch_clear(batch.get());
    const size_t end = std::min(n, i + n_batch);
    for (size_t j = i; j < end; ++j) {
      common_batch_add(batch.get(), tokens[j], static_cast<llama_pos>(pos + j), {0}, logits_last && j + 1 == n);
    }
    const int rc = llama_decode(ctx.get(), batch.get());
    if (rc == 2)
      ok = false;  // aborted by the cancel flag
    else if (rc != 0) {
      throw Error("llama.cpp failed to evaluate the prompt (error " + std::to_string(rc) +
                  "); try a larger -c");
    }
    if (ok) cached.insert(cached.end(), tokens + i, tokens + end);
  }
  return ok;
}

bool LocalModel::Impl::decode_image(const mtmd_input_chunk* chunk, const PositionKeys& keys, size_t pos) {
  const std::string id = mtmd_input_chunk_get_id(chunk) ? mtmd_input_chunk_get_id(chunk) : "";
  auto it = image_embeddings.find(id);
  if (it == image_embeddings.end() || id.empty()) {
    if (mtmd_encode_chunk(mtmd.get(), chunk) != 0) throw Error("the mmproj failed to encode an image");
    ++images_encoded;
    const size_t n =
        mtmd_input_chunk_get_n_tokens(chunk) * static_cast<size_t>(llama_model_n_embd_inp(model.get()));
    const float* e = mtmd_get_output_embd(mtmd.get());
    while (!image_order.empty() && static_cast<int>(image_order.size()) >= std::max(1, options.image_cache)) {
      image_embeddings.erase(image_order.front());
      image_order.pop_front();
    }
    it = image_embeddings.insert_or_assign(id, std::vector<float>(e, e + n)).first;
    image_order.push_back(id);
  }
  llama_pos new_pos = 0;
  const int rc =
      mtmd_helper_decode_image_chunk(mtmd.get(), ctx.get(), chunk, it->second.data(),
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
  cached.insert(cached.end(), keys.begin() + static_cast<long>(pos),
                keys.begin() + static_cast<long>(pos + n));
  return true;
}

// Evaluates the prompt from position `from` on. Returns false when cancelled.
bool LocalModel::Impl::evaluate(const Prompt& p, size_t from) {
  if (!mtmd) return decode_tokens(p.tokens.data() + from, p.tokens.size() - from, from, true);
  size_t pos = 0;
  const size_t n_chunks = mtmd_input_chunks_size(p.chunks.get());
  for (size_t i = 0; i < n_chunks; ++i) {
    const mtmd_input_chunk* c = mtmd_input_chunks_get(p.chunks.get(), i);
    const bool is_text = mtmd_input_chunk_get_type(c) == MTMD_INPUT_CHUNK_TYPE_TEXT;
    const std::vector<llama_token>& text = p.chunk_tokens[i];  // as build_prompt restored them
    const size_t n = is_text ? text.size() : mtmd_input_chunk_get_n_tokens(c);
    const bool last = i + 1 == n_chunks;
    if (pos + n > from) {
      if (is_text) {
        const size_t skip = from > pos ? from - pos : 0;
        if (!decode_tokens(text.data() + skip, n - skip, pos + skip, last)) return false;
      } else {
        if (!decode_image(c, p.keys, pos)) return false;
      }
    }
    pos += n;
  }
  return true;
}

}  // namespace lingbi

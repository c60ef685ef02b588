// LocalModel's internals, shared by local_model.cpp (loading, requests), local_prompt.cpp
// (template, tokens, evaluation with prefix reuse) and local_generate.cpp (sampling, streaming).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chat.h"
#include "grammar_filter.h"
#include "kv_prefix.h"
#include "sampled_answers.h"
#include "lingbi/model/local_model.h"
#include "llama_handles.h"

namespace lingbi {

namespace model_detail {

inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The tokenized prompt: mtmd chunks (or plain tokens without an mmproj) and their KV keys.
struct Prompt {
  MtmdChunksPtr chunks;                                // with an mmproj
  std::vector<llama_token> tokens;                     // without one
  std::vector<std::vector<llama_token>> chunk_tokens;  // with one: each text chunk's tokens (empty for images)
  PositionKeys keys;                                   // one per position
  std::vector<std::pair<size_t, size_t>> image_spans;  // [begin, end) positions of each image
  common_chat_params chat;                             // the applied template: prompt, grammar, parser, stops
};

// A request's sampling: llama.cpp's common sampler (its settings and chain) and, for a JSON
// schema, lingbi's grammar filter, which the common sampler then does not hold.
struct Sampler {
  SamplerPtr sampler;
  std::unique_ptr<GrammarFilter> grammar;
};

}  // namespace model_detail

struct LocalModel::Impl {
  LocalModelOptions options;
  model_detail::LlamaModelPtr model;
  model_detail::LlamaContextPtr ctx;
  model_detail::MtmdPtr mtmd;
  common_chat_templates_ptr templates;
  const llama_vocab* vocab = nullptr;
  int n_ctx = 0;
  int n_batch = 512;
  std::mutex mutex;                   // one request at a time
  model_detail::PositionKeys cached;  // what seq 0 of the KV cache holds, one key per position
  model_detail::SampledAnswers answers;  // recent answers as sampled, restored in later prompts
  std::unique_ptr<model_detail::TokenTrie> trie;  // the vocabulary's texts, built for the first JSON schema
  std::unordered_map<std::string, std::vector<float>> image_embeddings;  // image id -> embedding
  std::deque<std::string> image_order;                                   // ids, oldest first
  std::atomic<int> images_encoded{0};
  const std::atomic<bool>* cancel = nullptr;  // the running request's flag, for the abort callback

  static bool abort_callback(void* data) {
    auto* self = static_cast<Impl*>(data);
    return self->cancel != nullptr && self->cancel->load();
  }

  void load();
  void load_mmproj(int threads);
  // Applies the chat template and tokenizes the result (images included).
  model_detail::Prompt build_prompt(const ChatRequest& req);
  // Decodes `n` text tokens at positions from `pos` on, in batches; logits for the last one when
  // `logits_last`. Appends them to `cached`. Returns false when cancelled.
  bool decode_tokens(const llama_token* tokens, size_t n, size_t pos, bool logits_last);
  // Decodes one image chunk at `pos`, encoding it only when its embedding is not cached.
  bool decode_image(const mtmd_input_chunk* chunk, const model_detail::PositionKeys& keys, size_t pos);
  // Evaluates the prompt from position `from` on. Returns false when cancelled.
  bool evaluate(const model_detail::Prompt& p, size_t from);
  // The sampler for `req`: its settings and the grammar of its JSON schema.
  model_detail::Sampler make_sampler(const ChatRequest& req, const model_detail::Prompt& p);
  // The whole request: prompt, prefix reuse, evaluation, generation (serialised by `mutex`).
  ChatResult chat(const ChatRequest& req);
  // Samples the answer into `result`, streaming it, until EOG, a stop string, max_tokens or cancel.
  void generate(const ChatRequest& req, const model_detail::Prompt& p, ChatResult& result);
};

}  // namespace lingbi

// LocalModel: a GGUF model (and optionally an mmproj for images) run in this process through
// llama.cpp and mtmd.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "lingbi/model/model.h"

namespace lingbi {

// Options named as llama.cpp names its flags.
struct LocalModelOptions {
  std::filesystem::path model;   // -m: the GGUF model
  std::filesystem::path mmproj;  // --mmproj: the multimodal projector; empty: text only
  int context = 4096;            // -c: context size in tokens (0: the model's own)
  int threads = 0;               // -t: CPU threads (0: all hardware threads, at most 8)
  int gpu_layers = 0;            // -ngl: layers offloaded to a GPU, when the build has one
  std::optional<uint32_t> seed;  // --seed: default seed for requests that set none
  int image_cache = 32;          // image embeddings kept for reuse (oldest dropped first); 0: none
  std::string chat_template;     // a Jinja chat template to use instead of the GGUF's own; empty: the GGUF's
  bool verbose = false;          // let llama.cpp log to stderr (it is quiet otherwise)
  // A JSON schema's grammar checked by llama.cpp's own sampler instead of lingbi's filter (which
  // allows the same tokens, faster): for benchmarks and tests that compare the two.
  bool llama_cpp_grammar = false;
};

// Runs one model in process.
//  - Applies the chat template stored in the GGUF (llama.cpp's common chat templates); a JSON
//    schema becomes a grammar, so a constrained answer always parses.
//  - KV prefix reuse: a request whose prompt starts like the tokens already in the KV cache (the
//    previous request's prompt and answer) evaluates only the differing suffix; the result
//    reports the reused tokens. A recent answer quoted back in a later prompt is given the tokens
//    the model sampled, not those its text tokenizes to, so it matches the cache.
//  - Image-embedding cache: an image already encoded by this LocalModel (same bytes, by SHA-256)
//    is not encoded again; the last `image_cache` embeddings are kept.
//  - Reasoning blocks (<think>...</think> in templates that have them) go to
//    ChatResult::reasoning, not to the answer.
//  - Threading: one LocalModel serves one request at a time. chat() may be called from several
//    threads; the calls are serialised by an internal mutex (a second caller waits), and never
//    corrupt each other. Use one LocalModel per concurrent stream of work if you need parallelism.
class LocalModel : public ChatModel {
 public:
  // Loads the model (and mmproj). Throws lingbi::Error naming the file when it is missing, is not
  // a GGUF file, is truncated or otherwise fails to load, or when the mmproj does not fit the model.
  explicit LocalModel(const LocalModelOptions& options);
  ~LocalModel() override;
  LocalModel(const LocalModel&) = delete;
  LocalModel& operator=(const LocalModel&) = delete;

  ChatResult chat(const ChatRequest& request) override;
  std::string describe() const override;

  // True when an mmproj is loaded, so image parts are accepted.
  bool supports_images() const;
  // Tokens in the tokenized prompt of `request` (text and image tokens), without evaluating it.
  int count_prompt_tokens(const ChatRequest& request);
  // Forgets the KV cache: the next request evaluates its whole prompt.
  void clear_cache();
  // Images encoded since construction (cache hits are not counted).
  int images_encoded() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lingbi

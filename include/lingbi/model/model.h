// ChatModel: the one interface through which lingbi talks to language and vision-language models,
// whether they run in this process (LocalModel, local_model.h) or behind an OpenAI-compatible
// server (RemoteModel, remote_model.h). Both backends honour every field below the same way.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lingbi {

// One piece of a message: text, or an image given as a file path or as encoded bytes (PNG, JPEG, ...).
struct ContentPart {
  enum class Kind { text, image_file, image_bytes };
  Kind kind = Kind::text;
  std::string text;            // Kind::text
  std::filesystem::path path;  // Kind::image_file
  std::string bytes;           // Kind::image_bytes (the encoded file's bytes)

  static ContentPart of_text(std::string t) { return {Kind::text, std::move(t), {}, {}}; }
  static ContentPart of_image_file(std::filesystem::path p) {
    return {Kind::image_file, {}, std::move(p), {}};
  }
  static ContentPart of_image_bytes(std::string b) { return {Kind::image_bytes, {}, {}, std::move(b)}; }
  bool is_image() const { return kind != Kind::text; }
};

enum class Role { system, user, assistant };

// "system", "user" or "assistant".
const char* role_name(Role role);

struct Message {
  Role role = Role::user;
  std::vector<ContentPart> parts;

  static Message system(std::string text) { return {Role::system, {ContentPart::of_text(std::move(text))}}; }
  static Message user(std::string text) { return {Role::user, {ContentPart::of_text(std::move(text))}}; }
  static Message assistant(std::string text) {
    return {Role::assistant, {ContentPart::of_text(std::move(text))}};
  }
};

// Sampling settings, named as llama.cpp names them. Defaults are llama.cpp's.
struct Sampling {
  float temperature = 0.8f;       // <= 0: greedy
  float top_p = 0.95f;            // 1: off
  int top_k = 40;                 // <= 0: off
  float min_p = 0.05f;            // 0: off
  float repeat_penalty = 1.0f;    // 1: off
  std::optional<uint32_t> seed;   // unset: a fresh random seed per request
  int max_tokens = 512;           // generated tokens at most (finish reason `length` when reached)
  std::vector<std::string> stop;  // generation ends before the first occurrence of any of these
};

struct ChatRequest {
  std::vector<Message> messages;
  Sampling sampling;
  // A JSON schema (as JSON text) the answer must satisfy; empty: free text. LocalModel constrains
  // decoding with a grammar made from it; RemoteModel sends it as response_format and validates
  // the reply. Either way an answer that ends with FinishReason::stop parses and validates, or
  // chat() throws (unless stop strings were given: they may cut the JSON short on purpose).
  // Answers ending with `length` or `cancelled` may be incomplete JSON.
  std::string json_schema;
  // Receives the answer as it is generated, piece by piece; the pieces concatenate to
  // ChatResult::text. Reasoning is not streamed. Called on the thread that called chat().
  std::function<void(std::string_view)> on_text;
  // When it becomes true (from any thread), generation stops within 100 ms and chat() returns
  // what it has with FinishReason::cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

enum class FinishReason { stop, length, cancelled };

// "stop", "length" or "cancelled".
const char* finish_reason_name(FinishReason reason);

struct TokenCounts {
  int prompt_evaluated = 0;  // prompt tokens the model computed for this request
  int prompt_reused = 0;     // prompt tokens taken from the cache of an earlier request
  int generated = 0;         // tokens generated
  int prompt_total() const { return prompt_evaluated + prompt_reused; }
};

struct ChatResult {
  std::string text;       // the answer, without any reasoning block
  std::string reasoning;  // the model's reasoning ("thinking") when it produced any
  FinishReason finish = FinishReason::stop;
  TokenCounts tokens;
  double prompt_ms = 0;      // time to evaluate the prompt (and encode images)
  double generation_ms = 0;  // time to generate
};

class ChatModel {
 public:
  virtual ~ChatModel() = default;
  // Answers `request`. Throws lingbi::Error for problems a user can act on (an image that cannot
  // be read or decoded, a server error, a reply that does not satisfy the schema).
  virtual ChatResult chat(const ChatRequest& request) = 0;
  // A short description of the model for logs ("local llm.gguf", "remote http://...").
  virtual std::string describe() const = 0;
};

}  // namespace lingbi

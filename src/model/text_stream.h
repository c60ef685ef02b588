// Streaming generated text: stop strings, incomplete UTF-8, and the answer apart from its reasoning.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lingbi::model_detail {

// Position of the earliest complete occurrence of any of `stops` in `text`, or npos.
size_t find_stop(std::string_view text, const std::vector<std::string>& stops);

// How much of `text` can be shown now: all of it but a trailing piece that may still become a stop
// string, and a trailing incomplete UTF-8 sequence.
size_t safe_prefix_length(std::string_view text, const std::vector<std::string>& stops);

// The generated text as it grows, token by token: where a stop string ends it, and what of the
// answer (without its reasoning) can be passed on. The answer is found by `answer_of`, a parse of
// the raw text so far (llama.cpp's chat parser); once it has shown at least `settle` bytes of answer
// that are the raw text's own tail, the rest is the answer as it comes, and the text is not parsed
// again. So a token costs the same at 200 tokens as at 4,000 (bench/bench_stream.cpp), instead of a
// parse of the whole text each.
class AnswerStream {
 public:
  using AnswerOf = std::function<std::string(const std::string& raw)>;
  using OnText = std::function<void(std::string_view piece)>;

  AnswerStream(std::vector<std::string> stops, AnswerOf answer_of, OnText on_text, size_t settle = 32);

  // Adds a generated piece. Returns true when a stop string has appeared: the raw text is cut
  // before it and nothing after it is passed on.
  bool add(std::string_view piece);
  // Passes on the rest of `answer` (the final parse of the whole text) when it goes on from what
  // was passed on already.
  void finish(const std::string& answer);

  const std::string& raw() const { return raw_; }
  const std::string& emitted() const { return emitted_; }
  bool settled() const { return answer_at_ != std::string::npos; }

 private:
  void emit_answer(const std::string& answer);

  std::vector<std::string> stops_;
  size_t longest_stop_ = 0;
  AnswerOf answer_of_;
  OnText on_text_;
  size_t settle_;
  std::string raw_, emitted_;
  size_t answer_at_ = std::string::npos;  // where the answer begins in raw_, once settled
};

}  // namespace lingbi::model_detail

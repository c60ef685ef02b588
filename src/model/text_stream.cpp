#include "text_stream.h"

#include <algorithm>

namespace lingbi::model_detail {

size_t find_stop(std::string_view text, const std::vector<std::string>& stops) {
  size_t best = std::string_view::npos;
  for (const auto& s : stops) {
    if (s.empty()) continue;
    best = std::min(best, text.find(s));
  }
  return best;
}

namespace {

// Bytes at the end of `text` that form an incomplete UTF-8 sequence.
size_t incomplete_utf8_tail(std::string_view text) {
  for (size_t back = 1; back <= std::min<size_t>(4, text.size()); ++back) {
    const auto c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
    size_t need = (c & 0x80) == 0      ? 1
                  : (c & 0xE0) == 0xC0 ? 2
                  : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4
                                       : 1;
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace

size_t safe_prefix_length(std::string_view text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const auto& s : stops) {
    // longest proper prefix of s that is a suffix of text
    for (size_t len = std::min(s.size() - (s.empty() ? 0 : 1), text.size()); len > hold; --len) {
      if (text.substr(text.size() - len) == std::string_view(s).substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  return text.size() - std::max(hold, incomplete_utf8_tail(text));
}

AnswerStream::AnswerStream(std::vector<std::string> stops, AnswerOf answer_of, OnText on_text, size_t settle)
    : stops_(std::move(stops)), answer_of_(std::move(answer_of)), on_text_(std::move(on_text)), settle_(settle) {
  for (const std::string& s : stops_) longest_stop_ = std::max(longest_stop_, s.size());
}

bool AnswerStream::add(std::string_view piece) {
  // A stop string that appears now ends within the new piece: only the tail before it is searched.
  const size_t from = raw_.size() > longest_stop_ ? raw_.size() - longest_stop_ : 0;
  raw_ += piece;
  const size_t stop = find_stop(std::string_view(raw_).substr(from), stops_);
  if (stop != std::string_view::npos) {
    raw_.resize(from + stop);
    return true;
  }
  if (!on_text_) return false;
  const size_t safe = safe_prefix_length(raw_, stops_);
  if (settled()) {
    if (safe > answer_at_ + emitted_.size()) {
      const std::string_view more = std::string_view(raw_).substr(answer_at_ + emitted_.size(),
                                                                  safe - answer_at_ - emitted_.size());
      emitted_ += more;
      on_text_(more);
    }
    return false;
  }
  const std::string answer = answer_of_(raw_.substr(0, safe));
  emit_answer(answer);
  // Settled once the answer is long enough to be past any reasoning marker and is the raw text's
  // tail word for word (the parser passes the answer through unchanged from there on).
  if (answer.size() >= settle_ && emitted_ == answer && safe >= answer.size() &&
      raw_.compare(safe - answer.size(), answer.size(), answer) == 0)
    answer_at_ = safe - answer.size();
  return false;
}

void AnswerStream::finish(const std::string& answer) { emit_answer(answer); }

void AnswerStream::emit_answer(const std::string& answer) {
  if (!on_text_ || answer.size() <= emitted_.size() || answer.compare(0, emitted_.size(), emitted_) != 0) return;
  const std::string piece = answer.substr(emitted_.size());
  emitted_ = answer;
  on_text_(piece);
}

}  // namespace lingbi::model_detail

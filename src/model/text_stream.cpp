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

}  // namespace lingbi::model_detail

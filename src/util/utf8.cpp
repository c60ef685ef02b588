#include "lingbi/util/utf8.h"

namespace lingbi {

char32_t next_code_point(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
  if (extra < 0 || i + extra >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  static const char32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {  // overlong, surrogate, too big
    ++i;
    return 0xFFFD;
  }
  i += extra + 1;
  return cp;
}

namespace {

// next_code_point gives U+FFFD for a bad byte; a real U+FFFD is three bytes long.
bool is_bad(char32_t cp, size_t start, size_t end) { return cp == 0xFFFD && end - start != 3; }

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const char32_t cp = next_code_point(s, i);
    if (is_bad(cp, start, i)) return false;
  }
  return true;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    char32_t cp = next_code_point(text, i);
    if (is_bad(cp, start, i)) out += "\xEF\xBF\xBD";
    else out.append(text.substr(start, i - start));
  }
  return out;
}

std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = 0;
  for (size_t i = 0; i < text.size();) {
    next_code_point(text, i);
    if (i > max_bytes) break;
    end = i;
  }
  return text.substr(0, end);
}

}  // namespace lingbi

// Percent-decoding (%XX to the byte XX), as a Markdown viewer resolves a link to a file.
#pragma once

#include <string>

namespace lingbi::test {

inline std::string percent_decoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace lingbi::test

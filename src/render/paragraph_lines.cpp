#include "paragraph_lines.h"

#include <regex>

namespace lingbi::render {

std::vector<Span> link_spans(const std::string& text) {
  static const std::regex link(R"(\[([^\[\]\n]+)\]\((https?://[^\s()<>]+)\))");
  std::vector<Span> spans;
  auto add_plain = [&](const std::string& s) {
    if (s.empty()) return;
    if (!spans.empty() && spans.back().url.empty())
      spans.back().text += s;
    else
      spans.push_back({s, ""});
  };
  size_t done = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
    add_plain(text.substr(done, it->position() - done));
    spans.push_back({(*it)[1].str(), (*it)[2].str()});
    done = it->position() + it->length();
  }
  add_plain(text.substr(done));
  return spans;
}

std::vector<Line> paragraph_lines(const std::string& paragraph) {
  static const std::regex bullet(R"(^[ \t]*[-*+•][ \t]+(.*\S)[ \t\r]*$)");
  static const std::regex numbered(R"(^[ \t]*(\d{1,3})[.)][ \t]+(.*\S)[ \t\r]*$)");
  std::vector<Line> lines;
  std::string prose;
  auto flush = [&] {
    if (!prose.empty()) lines.push_back({"", link_spans(prose)});
    prose.clear();
  };
  size_t start = 0;
  while (start <= paragraph.size()) {
    size_t end = paragraph.find('\n', start);
    if (end == std::string::npos) end = paragraph.size();
    const std::string line = paragraph.substr(start, end - start);
    std::smatch m;
    if (std::regex_match(line, m, bullet)) {
      flush();
      lines.push_back({"•", link_spans(m[1].str())});
    } else if (std::regex_match(line, m, numbered)) {
      flush();
      lines.push_back({m[1].str() + ".", link_spans(m[2].str())});
    } else if (line.find_first_not_of(" \t\r") != std::string::npos) {
      if (!prose.empty()) prose += ' ';
      prose += line;
    }
    start = end + 1;
  }
  flush();
  return lines;
}

}  // namespace lingbi::render

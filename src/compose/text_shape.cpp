// Shaping model output into paragraphs of a readable size and trimming it to a length.
#include <algorithm>
#include <sstream>

#include "lingbi/compose/text_stats.h"
#include "lingbi/util/strings.h"
#include "stages.h"

namespace lingbi::compose {

namespace {

// Removes Markdown markers a model may put at the start of a line: list bullets and quotes.
std::string unmark(std::string line) {
  line = strip(line);
  for (const char* marker : {"- ", "* ", "> ", "+ "})
    if (line.rfind(marker, 0) == 0) return strip(line.substr(2));
  return line;
}

// True when the byte at `i` ends a sentence: . ! ? followed by space or the end, or a CJK stop.
size_t sentence_end_after(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if ((c == '.' || c == '!' || c == '?') && (i + 1 == s.size() || s[i + 1] == ' ' || s[i + 1] == '\n'))
    return i + 1;
  for (const char* stop : {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F"})  // 。！？
    if (s.compare(i, 3, stop) == 0) return i + 3;
  return 0;
}

// Cuts `text` into pieces of about `size` units, at sentence ends where there are any nearby.
std::vector<std::string> chunk(const std::string& text, const std::string& lang, int size) {
  std::vector<std::string> pieces;
  std::string rest = text;
  while (count_length(rest, lang) > size * 3 / 2) {
    std::string head = trim_to_length(rest, lang, size);
    if (head.empty() || head.size() >= rest.size()) break;
    pieces.push_back(strip(head));
    rest = strip(rest.substr(head.size()));
  }
  if (!strip(rest).empty()) pieces.push_back(strip(rest));
  return pieces;
}

}  // namespace

std::string trim_to_length(const std::string& text, const std::string& lang, int length) {
  std::vector<size_t> ends = unit_ends(text, lang);
  if (static_cast<int>(ends.size()) <= length) return text;
  if (length <= 0) return {};
  const size_t limit = ends[length - 1];  // past the last unit that may stay
  // The last sentence end within the limit, if it keeps at least 80% of the length.
  size_t best = 0;
  for (size_t i = 0; i < limit; ++i)
    if (size_t e = sentence_end_after(text, i); e != 0 && e <= limit + 3) best = std::max(best, std::min(e, text.size()));
  if (best > 0) {
    auto kept = std::upper_bound(ends.begin(), ends.end(), best) - ends.begin();
    if (kept * 5 >= length * 4 && kept <= length) return text.substr(0, best);
  }
  return text.substr(0, limit);
}

std::vector<std::string> split_paragraphs(const std::string& text, const std::string& lang) {
  const std::string joiner = lang == "zh" ? "" : " ";
  const int max_units = lang == "zh" ? 320 : 160, piece = lang == "zh" ? 220 : 110;
  std::vector<std::string> blocks;
  std::string current;
  std::istringstream in(text);
  std::string line;
  auto flush = [&] {
    if (!current.empty()) blocks.push_back(current);
    current.clear();
  };
  while (std::getline(in, line)) {
    std::string clean = unmark(line);
    if (clean.empty()) {
      flush();
      continue;
    }
    if (clean[0] == '#') {  // a heading the model wrote itself: the outline has the headings
      flush();
      continue;
    }
    current += current.empty() ? clean : joiner + clean;
  }
  flush();
  std::vector<std::string> paragraphs;
  for (const std::string& b : blocks) {
    const int units = count_length(b, lang);
    if (units == 0) continue;  // only symbols: nothing a reader would call a paragraph
    if (units <= max_units) {
      paragraphs.push_back(b);
      continue;
    }
    for (std::string& c : chunk(b, lang, piece)) paragraphs.push_back(std::move(c));
  }
  return paragraphs;
}

}  // namespace lingbi::compose

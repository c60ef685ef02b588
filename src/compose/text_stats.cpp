#include "lingbi/compose/text_stats.h"

#include <cstdint>

#include "lingbi/util/utf8.h"

namespace lingbi {

namespace {

bool is_han(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2EBEF) ||
         (cp >= 0xF900 && cp <= 0xFAFF);
}

// Letters and digits of Latin, Greek and Cyrillic text, and the apostrophe inside words.
bool is_word_char(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
         (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x370 && cp <= 0x4FF) || cp == '\'' ||
         cp == 0x2019;
}

struct Counts {
  int han = 0;
  int words = 0;
  int word_letters = 0;
  std::vector<size_t> ends;  // for the language asked, when asked
};

// One pass over the text: Han characters, words, and (for a language) where each unit ends.
Counts count(std::string_view text, std::string_view lang = "") {
  Counts c;
  const bool ends = !lang.empty();
  bool in_word = false;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    char32_t cp = next_code_point(text, i);
    if (is_word_char(cp)) {
      if (!in_word && cp != '\'' && cp != 0x2019) ++c.words, in_word = true;
      ++c.word_letters;
      continue;
    }
    if (in_word && ends) c.ends.push_back(start);
    in_word = false;
    if (is_han(cp)) {
      ++c.han;
      if (lang == "zh") c.ends.push_back(i);
    }
  }
  if (in_word && ends) c.ends.push_back(text.size());
  return c;
}

}  // namespace

std::string detect_language(std::string_view text) {
  Counts c = count(text);
  return c.han > 0 && c.han * 5 >= c.han + c.word_letters ? "zh" : "en";
}

int count_length(std::string_view text, std::string_view lang) {
  Counts c = count(text);
  return lang == "zh" ? c.han + c.words : c.words;
}

std::vector<size_t> unit_ends(std::string_view text, std::string_view lang) {
  return count(text, lang == "zh" ? "zh" : "en").ends;
}

int default_length(std::string_view lang) { return lang == "zh" ? 3000 : 1500; }

}  // namespace lingbi

// WordPiece as BertTokenizer (transformers' BasicTokenizer + WordpieceTokenizer). Character classes
// come from llama.cpp's Unicode tables. Accent stripping maps each code point to the first code
// point of its canonical decomposition (llama.cpp's NFD table) and drops combining marks, which is
// what NFD followed by removing Mn gives for precomposed letters.
#include "lingbi/clip/wordpiece_tokenizer.h"

#include "lingbi/util/error.h"
#include "unicode.h"

namespace lingbi {

namespace {

constexpr size_t kMaxWordChars = 100;  // BertTokenizer's max_input_chars_per_word

std::vector<uint32_t> to_cpts(const std::string& s) {
  std::vector<uint32_t> out;
  size_t offset = 0;
  while (offset < s.size()) {
    try {
      out.push_back(unicode_cpt_from_utf8(s, offset));
    } catch (const std::exception&) {
      out.push_back(0xFFFD);  // dropped by cleaning, as Python drops U+FFFD
      ++offset;
    }
  }
  return out;
}

bool is_bert_whitespace(uint32_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
  // Category Zs (space separators): llama.cpp's whitespace class minus the control characters.
  const auto f = unicode_cpt_flags_from_cpt(c);
  return f.is_whitespace && !f.is_control && c != 0x2028 && c != 0x2029;
}

bool is_bert_control(uint32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  return unicode_cpt_flags_from_cpt(c).is_control;
}

bool is_bert_punctuation(uint32_t c) {
  // ASCII symbols count as punctuation for BERT ("$", "+", "<", "^", "`", "|", "~", ...).
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return unicode_cpt_flags_from_cpt(c).is_punctuation;
}

// The CJK Unified Ideographs blocks BERT splits one by one (not Hiragana, Katakana or Hangul).
bool is_cjk(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::string to_utf8(const std::vector<uint32_t>& s) {
  std::string out;
  for (uint32_t c : s) out += unicode_cpt_to_utf8(c);
  return out;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> tokens, bool lower_case, bool strip_accents)
    : tokens_(std::move(tokens)), lower_case_(lower_case), strip_accents_(strip_accents) {
  ids_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], int32_t(i));  // first wins, as vocab.txt
  auto find = [&](const char* t) {
    auto it = ids_.find(t);
    if (it == ids_.end())
      throw Error(std::string("the WordPiece vocabulary has no ") + t +
                  " token: it is not a BERT vocab.txt; reconvert the model from its Hugging Face folder");
    return it->second;
  };
  cls_id_ = find("[CLS]");
  sep_id_ = find("[SEP]");
  unk_id_ = find("[UNK]");
  pad_id_ = find("[PAD]");
}

std::vector<std::string> WordPieceTokenizer::basic_tokenize(const std::string& text) const {
  // Clean (drop NUL, U+FFFD and controls; whitespace becomes a space), CJK ideographs spaced out.
  std::vector<uint32_t> cleaned;
  for (uint32_t c : to_cpts(text)) {
    if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
    if (is_bert_whitespace(c)) cleaned.push_back(' ');
    else if (is_cjk(c)) {
      cleaned.push_back(' ');
      cleaned.push_back(c);
      cleaned.push_back(' ');
    } else cleaned.push_back(c);
  }
  std::vector<std::string> words;
  size_t i = 0;
  while (i < cleaned.size()) {
    if (cleaned[i] == ' ') { ++i; continue; }
    std::vector<uint32_t> word;
    for (; i < cleaned.size() && cleaned[i] != ' '; ++i) word.push_back(cleaned[i]);
    if (lower_case_)
      for (uint32_t& c : word) c = unicode_tolower(c);
    if (strip_accents_) {
      std::vector<uint32_t> stripped;
      for (uint32_t c : unicode_cpts_normalize_nfd(word))
        if (!unicode_cpt_flags_from_cpt(c).is_accent_mark) stripped.push_back(c);
      word = std::move(stripped);
    }
    // Each punctuation character is a word of its own.
    std::vector<uint32_t> run;
    for (uint32_t c : word) {
      if (is_bert_punctuation(c)) {
        if (!run.empty()) words.push_back(to_utf8(run));
        run.clear();
        words.push_back(to_utf8({c}));
      } else run.push_back(c);
    }
    if (!run.empty()) words.push_back(to_utf8(run));
  }
  return words;
}

std::vector<std::string> WordPieceTokenizer::wordpiece(const std::string& word) const {
  const std::vector<uint32_t> chars = to_cpts(word);
  if (chars.size() > kMaxWordChars) return {"[UNK]"};
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < chars.size()) {
    size_t end = chars.size();
    std::string found;
    for (; end > start; --end) {
      std::string sub = to_utf8(std::vector<uint32_t>(chars.begin() + long(start), chars.begin() + long(end)));
      if (start > 0) sub = "##" + sub;
      if (ids_.count(sub)) {
        found = std::move(sub);
        break;
      }
    }
    if (found.empty()) return {"[UNK]"};
    pieces.push_back(std::move(found));
    start = end;
  }
  return pieces;
}

std::vector<int32_t> WordPieceTokenizer::encode(const std::string& text, int context_length) const {
  std::vector<int32_t> ids{cls_id_};
  for (const std::string& word : basic_tokenize(text))
    for (const std::string& piece : wordpiece(word)) ids.push_back(ids_.at(piece));
  if (context_length >= 2 && int(ids.size()) > context_length - 1) ids.resize(size_t(context_length - 1));
  ids.push_back(sep_id_);
  return ids;
}

}  // namespace lingbi

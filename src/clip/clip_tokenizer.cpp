// CLIP byte-level BPE. Pre-tokenization follows CLIP's pattern
//   <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// on lower-cased text with whitespace runs collapsed; letter/number classes come from llama.cpp's
// Unicode tables. (ftfy's mojibake repair and HTML unescaping of the Python tokenizer are not done.)
#include "lingbi/clip/clip_tokenizer.h"

#include <climits>
#include <cstring>

#include "lingbi/util/error.h"
#include "unicode.h"

namespace lingbi {

namespace {

constexpr int32_t kByteTokens = 512;  // 256 bytes, then 256 bytes with "</w>"
const char* const kStart = "<|startoftext|>";
const char* const kEnd = "<|endoftext|>";

// GPT-2's reversible byte -> printable code point map.
const std::vector<std::string>& byte_to_utf8() {
  static const std::vector<std::string> table = [] {
    std::vector<uint32_t> cpt(256, 0);
    std::vector<bool> direct(256, false);
    for (int b = '!'; b <= '~'; ++b) direct[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
    uint32_t n = 0;
    for (int b = 0; b < 256; ++b) cpt[b] = direct[b] ? uint32_t(b) : 256 + n++;
    std::vector<std::string> out(256);
    for (int b = 0; b < 256; ++b) out[b] = unicode_cpt_to_utf8(cpt[b]);
    return out;
  }();
  return table;
}

std::vector<uint32_t> to_cpts(const std::string& s) {
  std::vector<uint32_t> out;
  size_t offset = 0;
  while (offset < s.size()) {
    try {
      out.push_back(unicode_cpt_from_utf8(s, offset));
    } catch (const std::exception&) {
      out.push_back(0xFFFD);  // invalid UTF-8: replacement character, as Python's errors="replace"
      ++offset;
    }
  }
  return out;
}

bool is_space(uint32_t c) { return unicode_cpt_flags_from_cpt(c).is_whitespace; }
bool is_letter(uint32_t c) { return unicode_cpt_flags_from_cpt(c).is_letter; }
bool is_number(uint32_t c) { return unicode_cpt_flags_from_cpt(c).is_number; }

// Lower-cased, whitespace runs collapsed to one space, trimmed.
std::vector<uint32_t> clean(const std::string& text) {
  std::vector<uint32_t> out;
  for (uint32_t c : to_cpts(text)) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(unicode_tolower(c));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool starts_with(const std::vector<uint32_t>& s, size_t i, const char* ascii) {
  size_t n = std::strlen(ascii);
  if (i + n > s.size()) return false;
  for (size_t k = 0; k < n; ++k)
    if (s[i + k] != uint32_t(static_cast<unsigned char>(ascii[k]))) return false;
  return true;
}

std::string to_utf8(const std::vector<uint32_t>& s, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) out += unicode_cpt_to_utf8(s[i]);
  return out;
}

// Splits cleaned text into CLIP's words.
std::vector<std::string> pre_tokenize(const std::vector<uint32_t>& s) {
  static const char* const contractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
  std::vector<std::string> words;
  size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) { ++i; continue; }
    size_t end = i;
    for (const char* special : {kStart, kEnd})
      if (end == i && starts_with(s, i, special)) end = i + std::strlen(special);
    for (const char* c : contractions)
      if (end == i && starts_with(s, i, c)) end = i + std::strlen(c);
    if (end == i && is_letter(s[i])) {
      while (end < s.size() && is_letter(s[end])) ++end;
    } else if (end == i && is_number(s[i])) {
      end = i + 1;
    } else if (end == i) {
      while (end < s.size() && !is_space(s[end]) && !is_letter(s[end]) && !is_number(s[end])) ++end;
    }
    words.push_back(to_utf8(s, i, end));
    i = end;
  }
  return words;
}

}  // namespace

ClipTokenizer::ClipTokenizer(std::vector<std::string> tokens, const std::vector<std::string>& merges)
    : tokens_(std::move(tokens)) {
  ids_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], int32_t(i));
  auto find = [&](const char* t) {
    auto it = ids_.find(t);
    if (it == ids_.end())
      throw Error(std::string("the CLIP vocabulary has no ") + t +
                  " token: the tokenizer is not CLIP's; reconvert the model from its Hugging Face folder");
    return it->second;
  };
  start_id_ = find(kStart);
  end_id_ = find(kEnd);
  for (size_t r = 0; r < merges.size(); ++r) merge_ranks_.emplace(merges[r], int(r));
}

int ClipTokenizer::rank(const std::string& a, const std::string& b) const {
  if (!merge_ranks_.empty()) {
    auto it = merge_ranks_.find(a + " " + b);
    return it == merge_ranks_.end() ? INT_MAX : it->second;
  }
  auto it = ids_.find(a + b);
  if (it == ids_.end() || it->second < kByteTokens || it->second == start_id_ || it->second == end_id_)
    return INT_MAX;
  return it->second - kByteTokens;
}

std::vector<std::string> ClipTokenizer::bpe(const std::string& word) const {
  std::vector<std::string> parts;
  for (unsigned char c : word) parts.push_back(byte_to_utf8()[c]);
  if (parts.empty()) return parts;
  parts.back() += "</w>";
  while (parts.size() > 1) {
    int best = INT_MAX;
    size_t best_i = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      int r = rank(parts[i], parts[i + 1]);
      if (r < best) { best = r; best_i = i; }
    }
    if (best == INT_MAX) break;
    const std::string first = parts[best_i], second = parts[best_i + 1];
    std::vector<std::string> merged;
    for (size_t i = 0; i < parts.size();) {
      if (i + 1 < parts.size() && parts[i] == first && parts[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(parts[i++]);
      }
    }
    parts = std::move(merged);
  }
  return parts;
}

std::vector<int32_t> ClipTokenizer::encode(const std::string& text, int context_length) const {
  std::vector<int32_t> ids{start_id_};
  for (const std::string& word : pre_tokenize(clean(text))) {
    if (word == kStart) { ids.push_back(start_id_); continue; }
    if (word == kEnd) { ids.push_back(end_id_); continue; }
    for (const std::string& piece : bpe(word)) {
      auto it = ids_.find(piece);
      if (it != ids_.end()) ids.push_back(it->second);  // every byte is in CLIP's vocabulary
    }
  }
  if (context_length >= 2 && int(ids.size()) > context_length - 1) ids.resize(context_length - 1);
  ids.push_back(end_id_);
  return ids;
}

}  // namespace lingbi

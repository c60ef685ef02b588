// CLIP's byte-level BPE tokenizer (as OpenAI's SimpleTokenizer and Hugging Face's CLIPTokenizer):
// whitespace runs collapsed, lower-cased, split into words, bytes mapped to printable characters,
// "</w>" marking a word's end, merged by rank, framed by <|startoftext|> and <|endoftext|>.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace lingbi {

class ClipTokenizer {
 public:
  // tokens: the vocabulary in id order (UTF-8, byte-level characters). merges: rules "a b" in rank
  // order; when empty (files from clip.cpp's converter carry none), the rank of merging a and b is
  // the id of the token a+b minus 512, since CLIP's vocabulary lists each merge's result in rank
  // order after its 512 byte tokens. Throws lingbi::Error when the start or end token is missing.
  ClipTokenizer(std::vector<std::string> tokens, const std::vector<std::string>& merges);

  // Ids of text framed by the start and end tokens, at most context_length of them: longer texts
  // are cut and the end token stays last.
  std::vector<int32_t> encode(const std::string& text, int context_length = 77) const;

  // The BPE pieces of one pre-tokenized word (no framing), e.g. {"hel", "lo</w>"}; for tests.
  std::vector<std::string> bpe(const std::string& word) const;

  int32_t start_id() const { return start_id_; }
  int32_t end_id() const { return end_id_; }
  size_t vocab_size() const { return tokens_.size(); }
  const std::string& token(int32_t id) const { return tokens_.at(id); }

 private:
  int rank(const std::string& a, const std::string& b) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<std::string, int> merge_ranks_;  // "a b" -> rank; empty: ranks from ids
  int32_t start_id_ = -1;
  int32_t end_id_ = -1;
};

}  // namespace lingbi

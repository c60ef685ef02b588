// BERT's WordPiece tokenizer (as Hugging Face's BertTokenizer), for Chinese-CLIP's text tower:
// control characters dropped, CJK ideographs split one by one, optional lower-casing and accent
// stripping, punctuation split off, each word matched greedily longest-first against the vocabulary
// ("##" marks a word's continuation), framed by [CLS] and [SEP].
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace lingbi {

class WordPieceTokenizer {
 public:
  // tokens: vocab.txt's lines in id order. lower_case: BertTokenizer's do_lower_case. strip_accents:
  // its strip_accents, which defaults to do_lower_case. Throws lingbi::Error when [CLS], [SEP],
  // [UNK] or [PAD] is missing.
  WordPieceTokenizer(std::vector<std::string> tokens, bool lower_case, bool strip_accents);

  // [CLS] ids [SEP], at most context_length ids: longer texts are cut and [SEP] stays last.
  std::vector<int32_t> encode(const std::string& text, int context_length = 512) const;
  // The words before WordPiece (after cleaning, CJK splitting, lower-casing, punctuation split).
  std::vector<std::string> basic_tokenize(const std::string& text) const;
  // The pieces of one word ("[UNK]" alone when some part of it is not in the vocabulary).
  std::vector<std::string> wordpiece(const std::string& word) const;

  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t unk_id() const { return unk_id_; }
  size_t vocab_size() const { return tokens_.size(); }

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
  bool lower_case_, strip_accents_;
  int32_t cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, unk_id_ = -1;
};

}  // namespace lingbi

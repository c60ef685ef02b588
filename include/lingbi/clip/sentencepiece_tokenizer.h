// SigLIP's SentencePiece tokenizer (as Hugging Face's SiglipTokenizer for SigLIP, GemmaTokenizer for
// SigLIP 2), through Debian's libsentencepiece: the text lower-cased (and, for SiglipTokenizer, ASCII
// punctuation removed and whitespace runs collapsed), encoded by the model, framed by the optional
// BOS and the EOS token.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sentencepiece { class SentencePieceProcessor; }

namespace lingbi {

struct SentencePieceOptions {
  bool lower_case = true;
  bool remove_punctuation = false;  // SiglipTokenizer.canonicalize_text: string.punctuation removed, \s+ -> " ", stripped
  bool add_bos = false, add_eos = true;
  std::string bos_token, eos_token = "</s>", pad_token = "</s>";
};

class SentencePieceTokenizer {
 public:
  // model: the bytes of a SentencePiece .model file. Throws lingbi::Error when they do not parse or
  // a framing token is not in the vocabulary.
  SentencePieceTokenizer(const std::string& model, const SentencePieceOptions& options);
  ~SentencePieceTokenizer();

  // The text as the tokenizer hands it to SentencePiece (lower-cased, canonicalised).
  std::string normalise(const std::string& text) const;
  // [BOS] ids [EOS], at most context_length ids (cut before the EOS, which stays last). Not padded.
  std::vector<int32_t> encode(const std::string& text, int context_length = 64) const;

  int32_t pad_id() const { return pad_id_; }
  int32_t eos_id() const { return eos_id_; }
  size_t vocab_size() const;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  SentencePieceOptions options_;
  int32_t bos_id_ = -1, eos_id_ = -1, pad_id_ = -1;
};

}  // namespace lingbi

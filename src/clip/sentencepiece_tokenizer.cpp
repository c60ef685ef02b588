#include "lingbi/clip/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <algorithm>

#include "lingbi/util/error.h"
#include "unicode.h"

namespace lingbi {

namespace {

bool is_ascii_punctuation(uint32_t c) {  // Python's string.punctuation
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

bool is_python_space(uint32_t c) {  // re's \s on str: Unicode whitespace
  return unicode_cpt_flags_from_cpt(c).is_whitespace || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x1F;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model, const SentencePieceOptions& options)
    : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()), options_(options) {
  const auto status = sp_->LoadFromSerializedProto(model);
  if (!status.ok())
    throw Error("the SentencePiece model in this CLIP file does not load (" + status.ToString() +
                "): reconvert the model from its Hugging Face folder");
  auto id_of = [&](const std::string& piece, const char* role) {
    const int id = sp_->PieceToId(piece);
    if (piece.empty() || (id == sp_->unk_id() && piece != sp_->IdToPiece(sp_->unk_id())))
      throw Error(std::string("the SentencePiece vocabulary has no ") + role + " token \"" + piece +
                  "\": reconvert the model from its Hugging Face folder");
    return int32_t(id);
  };
  eos_id_ = id_of(options_.eos_token, "end");
  pad_id_ = id_of(options_.pad_token, "padding");
  if (options_.add_bos) bos_id_ = id_of(options_.bos_token, "start");
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

size_t SentencePieceTokenizer::vocab_size() const { return size_t(sp_->GetPieceSize()); }

std::string SentencePieceTokenizer::normalise(const std::string& text) const {
  std::vector<uint32_t> cpts = unicode_cpts_from_utf8(text);
  std::vector<uint32_t> out;
  for (uint32_t c : cpts) {
    if (options_.remove_punctuation && is_ascii_punctuation(c)) continue;
    out.push_back(options_.lower_case ? unicode_tolower(c) : c);
  }
  if (options_.remove_punctuation) {  // whitespace runs to one space, stripped
    std::vector<uint32_t> collapsed;
    for (uint32_t c : out) {
      if (is_python_space(c)) {
        if (!collapsed.empty() && collapsed.back() != ' ') collapsed.push_back(' ');
      } else {
        collapsed.push_back(c);
      }
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    out = std::move(collapsed);
  }
  std::string s;
  for (uint32_t c : out) s += unicode_cpt_to_utf8(c);
  return s;
}

std::vector<int32_t> SentencePieceTokenizer::encode(const std::string& text, int context_length) const {
  std::vector<int> pieces;
  const auto status = sp_->Encode(normalise(text), &pieces);
  if (!status.ok()) throw Error("SentencePiece could not encode a text: " + status.ToString());
  std::vector<int32_t> ids;
  if (options_.add_bos) ids.push_back(bos_id_);
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  const int room = context_length - (options_.add_eos ? 1 : 0);
  if (context_length > 0 && int(ids.size()) > room) ids.resize(size_t(std::max(room, 0)));
  if (options_.add_eos) ids.push_back(eos_id_);
  return ids;
}

}  // namespace lingbi

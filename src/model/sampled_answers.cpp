#include "sampled_answers.h"

#include <algorithm>

namespace lingbi::model_detail {

void SampledAnswers::remember(std::vector<int32_t> retokenized, std::vector<int32_t> sampled) {
  if (retokenized.empty() || sampled.empty() || retokenized == sampled) return;
  answers_.push_front({std::move(retokenized), std::move(sampled)});
  if (answers_.size() > keep_) answers_.pop_back();
}

size_t SampledAnswers::restore(std::vector<int32_t>& tokens) const {
  size_t replaced = 0;
  for (const SampledAnswer& a : answers_) {
    std::vector<int32_t> out;
    auto from = tokens.begin();
    for (;;) {
      auto at = std::search(from, tokens.end(), a.retokenized.begin(), a.retokenized.end());
      if (at == tokens.end()) break;
      if (out.empty()) out.reserve(tokens.size() + a.sampled.size());
      out.insert(out.end(), from, at);
      out.insert(out.end(), a.sampled.begin(), a.sampled.end());
      from = at + static_cast<long>(a.retokenized.size());
      ++replaced;
    }
    if (from == tokens.begin()) continue;  // not found
    out.insert(out.end(), from, tokens.end());
    tokens = std::move(out);
  }
  return replaced;
}

}  // namespace lingbi::model_detail

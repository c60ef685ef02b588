// The tokens the model sampled for its recent answers, so that a later prompt that quotes an
// answer (the conversation so far) gives the model back exactly those tokens. Text tokenized again
// often comes out as different tokens (a model may spell " Paris" as " Par"+"is", and a JSON
// grammar forces such splits), and then the KV cache, keyed by tokens, would match only up to the
// first difference and evaluate the rest of the answer again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace lingbi::model_detail {

// One answer: its tokens as sampled, and as its text tokenizes on its own.
struct SampledAnswer {
  std::vector<int32_t> retokenized;
  std::vector<int32_t> sampled;
};

class SampledAnswers {
 public:
  explicit SampledAnswers(size_t keep = 16) : keep_(keep) {}

  // Remembers an answer (the oldest is forgotten past `keep`). Nothing to remember when both
  // spellings agree or either is empty.
  void remember(std::vector<int32_t> retokenized, std::vector<int32_t> sampled);

  // Replaces each occurrence of a remembered answer's retokenized spelling in `tokens` by its
  // sampled spelling (the newest answer first, occurrences left to right, never overlapping).
  // Returns the number of replacements.
  size_t restore(std::vector<int32_t>& tokens) const;

  void clear() { answers_.clear(); }

 private:
  size_t keep_;
  std::deque<SampledAnswer> answers_;  // newest first
};

}  // namespace lingbi::model_detail

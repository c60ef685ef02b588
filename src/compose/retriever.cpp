// Retriever: candidates for a slot from the gallery, by the slot's English query.
#include <algorithm>

#include "lingbi/compose/tone.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "picture_check.h"
#include "stages.h"

namespace lingbi::compose {

std::vector<float> slot_query(ImageEmbedder& embedder, const Slot& slot) {
  return embedder.embed_text(slot.query.empty() ? slot.caption : slot.query);
}

std::vector<Candidate> retrieve_candidates(const std::vector<float>& query, const Gallery& gallery, const Slot& slot,
                                           const std::vector<int64_t>& exclude, int k, double tone_weight,
                                           std::vector<int64_t>& unreadable, std::vector<std::string>& warnings) {
  SearchOptions search;
  search.k = k * 3;  // a short list for the tone to reorder; near duplicates are already dropped
  std::vector<int64_t> readable;  // checked in this call already
  for (;;) {
    search.exclude = exclude;
    search.exclude.insert(search.exclude.end(), unreadable.begin(), unreadable.end());
    std::vector<SearchHit> hits = gallery.search(query, search);
    std::vector<double> relevance;
    std::vector<Appearance> looks;
    for (const SearchHit& h : hits) {
      relevance.push_back(h.score);
      looks.push_back(h.appearance);
    }
    std::vector<Candidate> candidates;
    for (size_t i : rerank_by_tone(relevance, looks, slot.tone, tone_weight)) {
      if (static_cast<int>(candidates.size()) == k) break;
      const SearchHit& h = hits[i];
      if (std::find(readable.begin(), readable.end(), h.id) == readable.end()) {
        // A picture moved, deleted or damaged since it was indexed gives way to the next hit.
        std::string problem = picture_problem(h.path);
        if (!problem.empty()) {
          warnings.push_back("picture " + h.path + " (gallery id " + std::to_string(h.id) + ") " + problem +
                             ": skipped; run lingbi index --prune to update the gallery");
          unreadable.push_back(h.id);
          continue;
        }
        readable.push_back(h.id);
      }
      candidates.push_back({h.id, h.path, h.score});
    }
    // Enough, or the gallery has nothing more: done. Otherwise search again without the pictures
    // found unreadable (each round excludes at least one more, so this ends).
    if (static_cast<int>(candidates.size()) == k || static_cast<int>(hits.size()) < search.k) return candidates;
  }
}

}  // namespace lingbi::compose

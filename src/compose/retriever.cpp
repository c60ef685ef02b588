// Retriever: candidates for a slot from the gallery, by the slot's English query.
#include "lingbi/gallery_embedder.h"
#include "lingbi/gallery.h"
#include "lingbi/tone.h"
#include "stages.h"

namespace lingbi::compose {

void retrieve_candidates(ImageEmbedder& embedder, const Gallery& gallery, Slot& slot, const std::vector<int64_t>& used, int k,
                         double tone_weight) {
  const std::string& text = slot.query.empty() ? slot.caption : slot.query;
  std::vector<float> query = embedder.embed_text(text);
  SearchOptions search;
  search.k = k * 3;  // a short list for the tone to reorder; near duplicates are already dropped
  search.exclude = used;
  std::vector<SearchHit> hits = gallery.search(query, search);

  std::vector<double> relevance;
  std::vector<Appearance> looks;
  for (const SearchHit& h : hits) {
    relevance.push_back(h.score);
    looks.push_back({h.luminance, h.saturation, h.colourfulness});
  }
  slot.candidates.clear();
  for (size_t i : rerank_by_tone(relevance, looks, slot.tone, tone_weight)) {
    if (static_cast<int>(slot.candidates.size()) == k) break;
    slot.candidates.push_back({hits[i].id, hits[i].path, hits[i].score});
  }
}

}  // namespace lingbi::compose

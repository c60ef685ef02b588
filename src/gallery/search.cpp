// Search: nearest vectors, then exclusions, path filter, near-duplicate suppression and MMR; the
// chosen hits' paths and descriptions from their cards (card_file.h), or the catalog.
#include <fnmatch.h>

#include <algorithm>
#include <unordered_set>

#include "gallery_impl.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"

namespace lingbi {

using namespace gallery;

namespace {

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) s += a[i] * b[i];
  return s;
}

struct Candidate {
  int64_t id;
  float score;
  std::string path;
  std::vector<float> vector;
};

}  // namespace

std::vector<SearchHit> Gallery::Impl::search(const std::vector<float>& query, const SearchOptions& options) const {
  if (static_cast<int>(query.size()) != index_->dim())
    throw Error("search query has " + std::to_string(query.size()) + " dimensions but gallery " + dir_ + " holds " +
                std::to_string(index_->dim()) + "-dimensional vectors");
  std::vector<SearchHit> hits;
  if (options.probes < 0 || options.rerank < 0)
    throw Error("search: probes and rerank must be positive (0: the defaults)");
  if (options.k <= 0 || index_->size() == 0) return hits;
  const std::unordered_set<int64_t> excluded(options.exclude.begin(), options.exclude.end());
  const bool filtering = !options.path_glob.empty() || options.duplicate_threshold < 1.0f || options.mmr > 0;

  // Fetch more than k so that filters still leave k; widen until they do or nothing is left.
  std::vector<Candidate> pool;
  int64_t fetch = static_cast<int64_t>(options.k) * (filtering ? 4 : 1) + static_cast<int64_t>(excluded.size());
  for (;;) {
    pool.clear();
    // IVF-PQ re-ranks as many candidates as for k results (what bench_index measures), however
    // many more it returns for the filters below.
    // The vectors filters compare come with the results: from the Flat index in memory, or from
    // where re-ranking just read them, not one lookup each.
    std::vector<float> vectors;
    const bool comparing = options.duplicate_threshold < 1.0f || options.mmr > 0;
    const auto found =
        index_->search(query.data(), static_cast<int>(std::min<int64_t>(fetch, index_->size())), exact_vectors(),
                       options.probes, options.rerank, options.k, comparing ? &vectors : nullptr);
    const size_t dim = index_->dim();
    for (size_t i = 0; i < found.size(); ++i) {
      const auto& [id, score] = found[i];
      if (excluded.count(id)) continue;
      std::vector<float> vector;
      if (comparing) vector.assign(vectors.begin() + i * dim, vectors.begin() + (i + 1) * dim);
      if (options.path_glob.empty()) {  // the path is looked up below, for the chosen only
        pool.push_back({id, score, {}, std::move(vector)});
        continue;
      }
      std::string path;
      for (const auto& p : catalog_->paths_of(id))
        if (options.path_glob.empty() || fnmatch(options.path_glob.c_str(), p.c_str(), 0) == 0) {
          path = p;
          break;
        }
      if (path.empty()) continue;
      pool.push_back({id, score, path, std::move(vector)});
    }
    if (static_cast<int64_t>(pool.size()) >= options.k * (filtering ? 2 : 1) || fetch >= index_->size()) break;
    fetch *= 4;
  }

  // Each candidate's card (its first path and description), read from cards.bin as the selection
  // reaches it, k at a time in one batch; nullopt where the file has none: the catalog answers.
  // A writer whose changes since its last index save have not reached the file (the catalog still
  // marks them) reads the catalog; readers loaded the marks when they opened the gallery.
  const CardFile* card_file = cards_.get();
  if (card_file && writable_ && !catalog_->stale_cards().empty()) card_file = nullptr;
  std::vector<std::optional<Card>> cards(pool.size());
  std::vector<bool> card_read(pool.size(), false);
  auto card_of = [&](size_t i) -> const std::optional<Card>& {
    if (!card_read[i] && card_file) {
      std::vector<size_t> batch;
      std::vector<int64_t> ids;
      for (size_t j = i; j < pool.size() && static_cast<int>(batch.size()) < options.k; ++j)
        if (!card_read[j]) {
          batch.push_back(j);
          ids.push_back(pool[j].id);
        }
      auto got = card_file->read(ids);
      for (size_t b = 0; b < batch.size(); ++b) {
        cards[batch[b]] = std::move(got[b]);
        card_read[batch[b]] = true;
      }
    }
    return cards[i];
  };

  // Greedy selection: by score, or by MMR (1 - w) * score - w * (max similarity to those chosen).
  std::vector<const Candidate*> chosen;
  std::vector<bool> used(pool.size(), false);
  while (static_cast<int>(chosen.size()) < options.k) {
    int best = -1;
    float best_value = 0;
    for (size_t i = 0; i < pool.size(); ++i) {
      if (used[i]) continue;
      float max_sim = -1;
      for (const Candidate* c : chosen) max_sim = std::max(max_sim, dot(pool[i].vector, c->vector));
      if (options.duplicate_threshold < 1.0f && !chosen.empty() && max_sim >= options.duplicate_threshold) {
        used[i] = true;  // a near duplicate of a better hit
        continue;
      }
      const float value =
          options.mmr > 0 ? (1 - options.mmr) * pool[i].score - options.mmr * std::max(0.0f, max_sim) : pool[i].score;
      if (best < 0 || value > best_value) best = static_cast<int>(i), best_value = value;
    }
    if (best < 0) break;
    used[best] = true;
    if (pool[best].path.empty()) {
      // No file points at it any more (a run was killed before cleaning up): the next best instead.
      if (const auto& card = card_of(best)) {
        if (card->path.empty()) continue;
        pool[best].path = card->path;
      } else {
        const auto paths = catalog_->paths_of(pool[best].id);
        if (paths.empty()) continue;
        pool[best].path = paths.front();
      }
    }
    chosen.push_back(&pool[best]);
  }

  for (const Candidate* c : chosen) {
    SearchHit h;
    h.id = c->id;
    h.score = c->score;
    h.path = c->path;
    if (const auto& card = card_of(static_cast<size_t>(c - pool.data()))) {
      copy_description(*card, h);
    } else {
      auto row = catalog_->image(c->id, false);
      if (!row) continue;
      copy_description(*row, h);
    }
    hits.push_back(std::move(h));
  }
  return hits;
}

}  // namespace lingbi

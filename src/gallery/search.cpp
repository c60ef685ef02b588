// Search: nearest vectors, then exclusions, path filter, near-duplicate suppression and MMR.
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

// Greedy selection of up to k candidates, by score or by MMR: (1 - w) * score - w * (the highest
// similarity to those chosen), skipping near duplicates of those chosen and those `gone`.
std::vector<size_t> choose(const std::vector<Candidate>& pool, const std::vector<bool>& gone,
                           const SearchOptions& options) {
  std::vector<size_t> chosen;
  std::vector<bool> used = gone;
  while (static_cast<int>(chosen.size()) < options.k) {
    int best = -1;
    float best_value = 0;
    for (size_t i = 0; i < pool.size(); ++i) {
      if (used[i]) continue;
      float max_sim = -1;
      for (size_t c : chosen) max_sim = std::max(max_sim, dot(pool[i].vector, pool[c].vector));
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
    chosen.push_back(static_cast<size_t>(best));
  }
  return chosen;
}

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
      pool.push_back({id, score, {}, std::move(vector)});
    }
    if (!options.path_glob.empty()) {  // keeps those with a path that matches, all looked up at once
      std::vector<int64_t> ids;
      for (const Candidate& c : pool) ids.push_back(c.id);
      const auto looked_up = look_up(ids, false, options.parallel_lookups);
      std::vector<Candidate> matching;
      for (size_t i = 0; i < pool.size(); ++i)
        for (const auto& p : looked_up[i].paths)
          if (fnmatch(options.path_glob.c_str(), p.c_str(), 0) == 0) {
            pool[i].path = p;
            matching.push_back(std::move(pool[i]));
            break;
          }
      pool = std::move(matching);
    }
    if (static_cast<int64_t>(pool.size()) >= options.k * (filtering ? 2 : 1) || fetch >= index_->size()) break;
    fetch *= 4;
  }

  // The chosen are picked by their vectors alone, then their paths and rows are read at once. One
  // that no file points at any more (a run was killed before cleaning up) is left out and the
  // choice made again without it, as if it had never been found.
  std::vector<std::optional<PictureLookup>> looked_up(pool.size());
  std::vector<bool> gone(pool.size(), false);
  for (;;) {
    const std::vector<size_t> chosen = choose(pool, gone, options);
    std::vector<int64_t> ids;
    std::vector<size_t> which;
    for (size_t i : chosen)
      if (!looked_up[i]) ids.push_back(pool[i].id), which.push_back(i);
    auto found = look_up(ids, true, options.parallel_lookups);
    for (size_t j = 0; j < which.size(); ++j) looked_up[which[j]] = std::move(found[j]);
    bool complete = true;
    for (size_t i : chosen)
      if (looked_up[i]->paths.empty() || !looked_up[i]->row) gone[i] = true, complete = false;
    if (!complete) continue;
    for (size_t i : chosen) {
      SearchHit h;
      h.id = pool[i].id;
      h.score = pool[i].score;
      h.path = pool[i].path.empty() ? looked_up[i]->paths.front() : pool[i].path;
      copy_description(*looked_up[i]->row, h);
      hits.push_back(std::move(h));
    }
    return hits;
  }
}

std::vector<PictureLookup> Gallery::Impl::look_up(const std::vector<int64_t>& ids, bool rows, bool parallel) const {
  if (ids.empty()) return {};
  // Opened by the first search that needs them, so that commands that never search start no threads.
  if (parallel && ids.size() > 1 && !readers_)
    readers_ = std::make_unique<CatalogReaders>(catalog_->file(), kCatalogReaders, writable_);
  if (readers_) return readers_->look_up(*catalog_, ids, rows, parallel);
  std::vector<PictureLookup> out;
  for (int64_t id : ids) out.push_back(look_up_picture(*catalog_, id, rows));
  return out;
}

}  // namespace lingbi

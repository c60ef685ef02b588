// The gallery's vector index on FAISS: inner product over L2-normalised vectors, addressed by the
// catalog's image ids. Internal to src/gallery.
#pragma once

#include <faiss/Index.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lingbi {

class VectorIndex {
 public:
  // The kind suited to n vectors of `dim`: "Flat" (exact) below flat_limit, else an IVF-PQ index
  // with exact re-ranking, "IVF{nlist},PQ{m}np,RFlat", nlist ~ 4 sqrt(n) (as autofaiss does).
  static std::string choose_kind(int64_t n, int dim, int64_t flat_limit);

  // An empty index of `kind`; IVF kinds are trained on `training` (n x dim floats) first.
  static std::unique_ptr<VectorIndex> create(int dim, const std::string& kind,
                                             const std::vector<float>& training = {});
  // Reads an index written by save(); nullptr when the file is missing or unreadable.
  static std::unique_ptr<VectorIndex> load(const std::string& file, const std::string& kind);

  // Writes to file + ".tmp", syncs it and renames it over `file`, so a crash leaves either the
  // old or the new index, never half of one.
  void save(const std::string& file) const;

  void add(const std::vector<int64_t>& ids, const std::vector<float>& vectors);
  // Removes ids; returns false when this kind cannot remove (the caller then rebuilds).
  bool remove(const std::vector<int64_t>& ids);
  std::vector<int64_t> ids() const;
  std::vector<float> reconstruct(int64_t id) const;
  // Up to k (id, score) pairs, best first.
  std::vector<std::pair<int64_t, float>> search(const float* query, int k) const;
  // The ids of the k best for each of nq queries (one call, so FAISS can use BLAS).
  std::vector<std::vector<int64_t>> search_batch(const float* queries, int nq, int k) const;

  int64_t size() const { return index_->ntotal; }
  int dim() const { return index_->d; }
  const std::string& kind() const { return kind_; }
  bool needs_training() const { return kind_ != "Flat"; }
  // For IVF kinds: lists probed per query and the re-ranking factor of the short list.
  void set_search_params(int nprobe, float k_factor);

 private:
  VectorIndex(std::unique_ptr<faiss::Index> index, std::string kind);
  std::unique_ptr<faiss::Index> index_;
  std::string kind_;
  int nprobe_ = 0;
  float k_factor_ = 0;
};

}  // namespace lingbi

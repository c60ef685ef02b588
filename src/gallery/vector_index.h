// The gallery's vector index on FAISS: inner product over L2-normalised vectors, addressed by the
// catalog's image ids. One class per kind (flat_index.h, ivf_pq_index.h) behind this interface;
// the kind string ("Flat", "IVF{lists},PQ{bytes}np") picks the class in one place, create() and
// load() in vector_index.cpp, as FAISS's index_factory does. Internal to src/gallery.
#pragma once

#include <faiss/Index.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exact_vectors.h"

namespace lingbi::gallery {

class VectorIndex {
 public:
  // The kind suited to n vectors of `dim`: "Flat" (exact, every vector in memory) below
  // flat_limit, else "IVF{nlist},PQ{m}np", nlist ~ 4 sqrt(n) (as autofaiss does), which keeps only
  // m-byte codes and ids in memory and re-ranks its short list with exact vectors read from an
  // ExactVectors (the catalog).
  static std::string choose_kind(int64_t n, int dim, int64_t flat_limit);
  // The kind an index of `kind` written by an earlier lingbi is rebuilt as ("...,RFlat" kept a
  // second full copy of every vector in memory; its IVF-PQ part is kept).
  static std::string current_kind(const std::string& kind);
  // How many training vectors an index of `kind` wants (0 for Flat); more only costs time.
  static int64_t training_size(const std::string& kind);

  // An empty index of `kind`; IVF kinds are trained on `training` (n x dim floats) first. Throws
  // lingbi::Error for a kind lingbi does not make.
  static std::unique_ptr<VectorIndex> create(int dim, const std::string& kind,
                                             const std::vector<float>& training = {});
  // Reads an index written by save(); nullptr when the file is missing, unreadable or of another kind.
  static std::unique_ptr<VectorIndex> load(const std::string& file, const std::string& kind);

  virtual ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // Writes to file + ".tmp", syncs it and renames it over `file`, so a crash leaves either the
  // old or the new index, never half of one.
  void save(const std::string& file) const;
  // save() in two steps: stage() writes and syncs file + ".tmp" (the live file untouched),
  // publish() renames it over `file`; discard() removes a staged file that will not be published.
  void stage(const std::string& file) const;
  static void publish(const std::string& file);
  static void discard(const std::string& file);

  void add(const std::vector<int64_t>& ids, const std::vector<float>& vectors);
  void remove(const std::vector<int64_t>& ids);
  virtual std::vector<int64_t> ids() const = 0;
  // The stored vector of a Flat index; empty for IVF kinds (they keep codes only) or unknown ids.
  virtual std::vector<float> reconstruct(int64_t id) const = 0;
  // Up to k (id, score) pairs, best first, with exact scores. IVF kinds fetch
  // max(k, asked * k_factor) candidates by their codes and re-rank them with the vectors `exact`
  // holds (required for them; a candidate `exact` lacks is dropped). `asked` (0: k) is how many
  // results the caller will keep: one that fetches more to filter them re-ranks as many as for
  // what it keeps. nprobe, k_factor > 0 override the index's parameters for this call only.
  // `vectors`, when given, receives the results' exact vectors (one row of dim floats each).
  virtual std::vector<std::pair<int64_t, float>> search(const float* query, int k, const ExactVectors* exact,
                                                        int nprobe = 0, int k_factor = 0, int asked = 0,
                                                        std::vector<float>* vectors = nullptr) const = 0;

  int64_t size() const { return index_->ntotal; }
  int dim() const { return index_->d; }
  const std::string& kind() const { return kind_; }
  // IVF kinds: lists probed per query and the re-ranking factor of the short list (0 for Flat).
  virtual int nprobe() const { return 0; }
  virtual int k_factor() const { return 0; }

 protected:
  VectorIndex(std::unique_ptr<faiss::Index> index, std::string kind);
  // The k best (id, inner product) pairs by the index's own scores, best first.
  std::vector<std::pair<int64_t, float>> faiss_search(const float* query, int k,
                                                      const faiss::SearchParameters* params) const;

  std::unique_ptr<faiss::Index> index_;
  std::string kind_;
};

}  // namespace lingbi::gallery

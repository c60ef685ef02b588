// The "IVF{lists},PQ{bytes}np" vector index for large galleries: only short codes and ids in
// memory; a query probes some lists and re-ranks its short list with exact vectors read from an
// ExactVectors (vectors.f32 or the catalog). Internal to src/gallery.
#pragma once

#include "vector_index.h"

namespace lingbi::gallery {

class IvfPqIndex final : public VectorIndex {
 public:
  // True for the kinds this class makes: "IVF{lists},PQ{bytes}np".
  static bool is_kind(const std::string& kind);
  // The number of lists of `kind` (0 when it is not an IVF kind).
  static int64_t lists_of(const std::string& kind);
  // An index of `kind` trained on `training` (n x dim floats).
  static std::unique_ptr<VectorIndex> create(int dim, const std::string& kind, const std::vector<float>& training);
  // Takes an index read from a file; nullptr when it is not an IVF index.
  static std::unique_ptr<VectorIndex> adopt(std::unique_ptr<faiss::Index> index, const std::string& kind);

  std::vector<int64_t> ids() const override;
  std::vector<float> reconstruct(int64_t) const override { return {}; }
  std::vector<std::pair<int64_t, float>> search(const float* query, int k, const ExactVectors* exact, int nprobe,
                                                int k_factor, int asked, std::vector<float>* vectors) const override;
  int nprobe() const override { return nprobe_; }
  int k_factor() const override { return k_factor_; }

 private:
  IvfPqIndex(std::unique_ptr<faiss::Index> index, std::string kind);
  // The k best (id, score) pairs by the index's codes in the nprobe lists nearest the query.
  std::vector<std::pair<int64_t, float>> short_list(const float* query, int k, int nprobe) const;
  int nprobe_ = 0;
  int k_factor_ = 0;
};

}  // namespace lingbi::gallery

// The "Flat" vector index: every vector in memory, exact inner product. Below a few hundred
// thousand images it is both the fastest and the most accurate. Internal to src/gallery.
#pragma once

#include "vector_index.h"

namespace lingbi::gallery {

class FlatIndex final : public VectorIndex {
 public:
  static std::unique_ptr<VectorIndex> create(int dim);
  // Takes an index read from a file; nullptr when it is not a flat index with ids.
  static std::unique_ptr<VectorIndex> adopt(std::unique_ptr<faiss::Index> index);

  std::vector<int64_t> ids() const override;
  std::vector<float> reconstruct(int64_t id) const override;
  std::vector<std::pair<int64_t, float>> search(const float* query, int k, const ExactVectors* exact, int nprobe,
                                                int k_factor, int asked, std::vector<float>* vectors) const override;

 private:
  explicit FlatIndex(std::unique_ptr<faiss::Index> index);
};

}  // namespace lingbi::gallery

#include "flat_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/impl/FaissException.h>

namespace lingbi::gallery {

FlatIndex::FlatIndex(std::unique_ptr<faiss::Index> index) : VectorIndex(std::move(index), "Flat") {}

std::unique_ptr<VectorIndex> FlatIndex::create(int dim) {
  auto map = std::make_unique<faiss::IndexIDMap2>(new faiss::IndexFlatIP(dim));
  map->own_fields = true;
  return std::unique_ptr<VectorIndex>(new FlatIndex(std::move(map)));
}

std::unique_ptr<VectorIndex> FlatIndex::adopt(std::unique_ptr<faiss::Index> index) {
  if (!dynamic_cast<faiss::IndexIDMap2*>(index.get())) return nullptr;
  return std::unique_ptr<VectorIndex>(new FlatIndex(std::move(index)));
}

std::vector<int64_t> FlatIndex::ids() const {
  const auto& map = static_cast<const faiss::IndexIDMap2&>(*index_);
  return std::vector<int64_t>(map.id_map.begin(), map.id_map.end());
}

std::vector<float> FlatIndex::reconstruct(int64_t id) const {
  std::vector<float> v(index_->d);
  try {
    index_->reconstruct(id, v.data());
  } catch (const faiss::FaissException&) {
    return {};
  }
  return v;
}

std::vector<std::pair<int64_t, float>> FlatIndex::search(const float* query, int k, const ExactVectors*, int, int, int,
                                                         std::vector<float>* vectors) const {
  auto found = faiss_search(query, k, nullptr);  // the scores are exact already
  if (vectors) {
    vectors->resize(found.size() * index_->d);
    for (size_t i = 0; i < found.size(); ++i) index_->reconstruct(found[i].first, vectors->data() + i * index_->d);
  }
  return found;
}

}  // namespace lingbi::gallery

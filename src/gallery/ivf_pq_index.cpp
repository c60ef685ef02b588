#include "ivf_pq_index.h"

#include <faiss/IndexIVF.h>
#include <faiss/index_factory.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/distances.h>

#include <algorithm>
#include <cstdlib>

#include "lingbi/util/error.h"

namespace lingbi::gallery {

bool IvfPqIndex::is_kind(const std::string& kind) {
  const std::string suffix = "np";
  return lists_of(kind) > 0 && kind.find(",PQ") != std::string::npos && kind.size() > suffix.size() &&
         kind.compare(kind.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t IvfPqIndex::lists_of(const std::string& kind) {
  if (kind.rfind("IVF", 0) != 0) return 0;
  return std::atoll(kind.c_str() + 3);
}

IvfPqIndex::IvfPqIndex(std::unique_ptr<faiss::Index> index, std::string kind)
    : VectorIndex(std::move(index), std::move(kind)) {
  // Defaults measured by bench/bench_index.cpp on clustered 512-d vectors (docs/gallery.md).
  auto& ivf = static_cast<faiss::IndexIVF&>(*index_);
  nprobe_ = static_cast<int>(std::clamp<size_t>(ivf.nlist / 256, 16, 64));
  k_factor_ = 24;
  ivf.nprobe = nprobe_;
}

std::unique_ptr<VectorIndex> IvfPqIndex::create(int dim, const std::string& kind, const std::vector<float>& training) {
  std::unique_ptr<faiss::Index> index(faiss::index_factory(dim, kind.c_str(), faiss::METRIC_INNER_PRODUCT));
  if (!dynamic_cast<faiss::IndexIVF*>(index.get())) throw Error("vector index kind " + kind + " is not an IVF index");
  const auto n = static_cast<faiss::Index::idx_t>(training.size() / dim);
  if (n == 0) throw Error("vector index kind " + kind + " needs training vectors");
  index->train(n, training.data());
  return std::unique_ptr<VectorIndex>(new IvfPqIndex(std::move(index), kind));
}

std::unique_ptr<VectorIndex> IvfPqIndex::adopt(std::unique_ptr<faiss::Index> index, const std::string& kind) {
  if (!dynamic_cast<faiss::IndexIVF*>(index.get())) return nullptr;
  return std::unique_ptr<VectorIndex>(new IvfPqIndex(std::move(index), kind));
}

std::vector<int64_t> IvfPqIndex::ids() const {
  std::vector<int64_t> out;
  const auto* lists = static_cast<const faiss::IndexIVF&>(*index_).invlists;
  out.reserve(index_->ntotal);
  for (size_t l = 0; l < lists->nlist; ++l) {
    faiss::InvertedLists::ScopedIds list_ids(lists, l);
    out.insert(out.end(), list_ids.get(), list_ids.get() + lists->list_size(l));
  }
  return out;
}

std::vector<std::pair<int64_t, float>> IvfPqIndex::search(const float* query, int k, const ExactVectors* exact,
                                                          int nprobe, int k_factor, int asked) const {
  if (k <= 0 || index_->ntotal == 0) return {};
  if (!exact) throw Error("vector index " + kind_ + " needs the catalog's vectors to re-rank");
  const int factor = k_factor > 0 ? k_factor : k_factor_;
  const int64_t shortlist = std::max<int64_t>(k, int64_t(asked > 0 ? asked : k) * factor);
  faiss::SearchParametersIVF params;  // per call: concurrent searches may ask for different probes
  params.nprobe = nprobe > 0 ? nprobe : std::max(1, nprobe_);
  auto out = faiss_search(query, static_cast<int>(std::min<int64_t>(shortlist, index_->ntotal)), &params);

  // Read the short list's exact vectors in id order (neighbouring rows share catalog pages).
  std::sort(out.begin(), out.end());
  std::vector<int64_t> wanted(out.size());
  std::transform(out.begin(), out.end(), wanted.begin(), [](const auto& c) { return c.first; });
  exact->prefetch(wanted);
  std::vector<float> v(index_->d);
  size_t kept = 0;
  for (auto& [id, score] : out) {
    if (!exact->read_vector(id, v.data(), index_->d)) continue;
    out[kept++] = {id, faiss::fvec_inner_product(query, v.data(), index_->d)};
  }
  out.resize(kept);
  const auto better = [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  };
  const size_t top = std::min<size_t>(k, out.size());
  std::partial_sort(out.begin(), out.begin() + top, out.end(), better);
  out.resize(top);
  return out;
}

}  // namespace lingbi::gallery

#include "ivf_pq_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVF.h>
#include <faiss/index_factory.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/distances.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "lingbi/util/error.h"

namespace lingbi::gallery {

namespace {

// The inner products of x with n centres of d floats, on one thread, in the widest vectors the
// CPU has (Debian's FAISS is built for baseline x86-64 and scores them one scalar product at a
// time). BLAS's sgemv is faster still on an idle machine but wakes its threads for every query:
// a busy core then stalls the search (p99 20 ms at 10M in bench_index).
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void centre_scores(const float* centres, const float* x, int n, int d, float* out) {
  for (int i = 0; i < n; ++i) {
    const float* c = centres + static_cast<size_t>(i) * d;
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < d; ++j) s += c[j] * x[j];
    out[i] = s;
  }
}

}  // namespace

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

std::vector<std::pair<int64_t, float>> IvfPqIndex::short_list(const float* query, int k, int nprobe) const {
  faiss::SearchParametersIVF params;  // per call: concurrent searches may ask for different probes
  params.nprobe = nprobe;
  const auto& ivf = static_cast<const faiss::IndexIVF&>(*index_);
  const auto* centres = dynamic_cast<const faiss::IndexFlat*>(ivf.quantizer);
  if (!centres || centres->metric_type != faiss::METRIC_INNER_PRODUCT || k <= 0) return faiss_search(query, k, &params);

  // The lists to probe: FAISS's own search for one query takes 2.4 ms to score 8,192 centres of
  // 512-d here, centre_scores 0.4 ms (bench/bench_index.cpp measures the whole search both ways).
  const int d = index_->d, lists = static_cast<int>(ivf.nlist);
  std::vector<float> score(lists);
  centre_scores(centres->get_xb(), query, lists, d, score.data());
  const int probes = std::min(nprobe, lists);
  std::vector<faiss::Index::idx_t> probe(lists);
  std::iota(probe.begin(), probe.end(), 0);
  std::partial_sort(probe.begin(), probe.begin() + probes, probe.end(),
                    [&](auto a, auto b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
  probe.resize(probes);
  std::vector<float> probe_score(probes);
  for (int i = 0; i < probes; ++i) probe_score[i] = score[probe[i]];

  std::vector<float> dist(k);
  std::vector<faiss::Index::idx_t> labels(k);
  ivf.search_preassigned(1, query, k, probe.data(), probe_score.data(), dist.data(), labels.data(), false, &params);
  std::vector<std::pair<int64_t, float>> out;
  for (int i = 0; i < k; ++i)
    if (labels[i] >= 0) out.emplace_back(labels[i], dist[i]);
  return out;
}

std::vector<std::pair<int64_t, float>> IvfPqIndex::search(const float* query, int k, const ExactVectors* exact,
                                                          int nprobe, int k_factor, int asked,
                                                          std::vector<float>* vectors) const {
  if (k <= 0 || index_->ntotal == 0) return {};
  if (!exact) throw Error("vector index " + kind_ + " needs the catalog's vectors to re-rank");
  const int factor = k_factor > 0 ? k_factor : k_factor_;
  const int64_t shortlist = std::max<int64_t>(k, int64_t(asked > 0 ? asked : k) * factor);
  auto out = short_list(query, static_cast<int>(std::min<int64_t>(shortlist, index_->ntotal)),
                        nprobe > 0 ? nprobe : std::max(1, nprobe_));

  // Read the short list's exact vectors in one batch, in id order (neighbouring rows share pages).
  std::sort(out.begin(), out.end());
  std::vector<int64_t> wanted(out.size());
  std::transform(out.begin(), out.end(), wanted.begin(), [](const auto& c) { return c.first; });
  const size_t d = index_->d;
  std::vector<float> read(wanted.size() * d);
  std::vector<char> found;
  exact->read_vectors(wanted, read.data(), static_cast<int>(d), found);
  std::vector<size_t> rows;  // into read, of the candidates kept, best first
  for (size_t i = 0; i < out.size(); ++i)
    if (found[i]) {
      out[i].second = faiss::fvec_inner_product(query, &read[i * d], d);
      rows.push_back(i);
    }
  const auto better = [&](size_t a, size_t b) {
    return out[a].second > out[b].second || (out[a].second == out[b].second && out[a].first < out[b].first);
  };
  const size_t top = std::min<size_t>(k, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(top), rows.end(), better);
  std::vector<std::pair<int64_t, float>> best(top);
  if (vectors) vectors->resize(top * d);
  for (size_t i = 0; i < top; ++i) {
    best[i] = out[rows[i]];
    if (vectors) std::copy_n(&read[rows[i] * d], d, vectors->data() + i * d);
  }
  return best;
}

}  // namespace lingbi::gallery

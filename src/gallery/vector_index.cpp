#include "vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/invlists/InvertedLists.h>
#include <faiss/utils/distances.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "lingbi/error.h"

namespace lingbi {

namespace {

using idx_t = faiss::Index::idx_t;

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

int pq_subquantizers(int dim) {
  int m = std::max(1, dim / 8);
  while (m > 1 && dim % m != 0) --m;
  return m;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t nlist_of(const std::string& kind) {
  if (kind.rfind("IVF", 0) != 0) return 0;
  return std::atoll(kind.c_str() + 3);
}

}  // namespace

VectorIndex::VectorIndex(std::unique_ptr<faiss::Index> index, std::string kind)
    : index_(std::move(index)), kind_(std::move(kind)) {
  // Defaults measured by bench/bench_index.cpp on clustered 512-d vectors (docs/gallery.md).
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index_.get()))
    set_search_params(static_cast<int>(std::clamp<size_t>(ivf->nlist / 256, 16, 64)), 24);
}

std::string VectorIndex::choose_kind(int64_t n, int dim, int64_t flat_limit) {
  if (n < flat_limit || n < 1024) return "Flat";
  int64_t nlist = 16;
  const double target = 4.0 * std::sqrt(static_cast<double>(n));
  while (nlist * 2 <= target && nlist < 65536) nlist *= 2;
  while (nlist > 16 && nlist * 39 > n) nlist /= 2;  // enough training points per list
  return "IVF" + std::to_string(nlist) + ",PQ" + std::to_string(pq_subquantizers(dim)) + "np";
}

std::string VectorIndex::current_kind(const std::string& kind) {
  const std::string legacy = ",RFlat";
  return ends_with(kind, legacy) ? kind.substr(0, kind.size() - legacy.size()) : kind;
}

int64_t VectorIndex::training_size(const std::string& kind) {
  // FAISS's k-means wants at least 39 points per list; PQ's codebooks at least 256 x 39.
  const int64_t nlist = nlist_of(kind);
  return nlist == 0 ? 0 : std::max<int64_t>(40 * nlist, 256 * 40);
}

std::unique_ptr<VectorIndex> VectorIndex::create(int dim, const std::string& kind, const std::vector<float>& training) {
  try {
    if (kind == "Flat") {
      auto map = std::make_unique<faiss::IndexIDMap2>(new faiss::IndexFlatIP(dim));
      map->own_fields = true;
      return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(map), kind));
    }
    if (nlist_of(kind) <= 0 || !ends_with(kind, "np") || kind.find(",PQ") == std::string::npos)
      throw Error("unknown vector index kind '" + kind + "' (expected Flat or IVF{lists},PQ{bytes}np)");
    std::unique_ptr<faiss::Index> index(faiss::index_factory(dim, kind.c_str(), faiss::METRIC_INNER_PRODUCT));
    if (!dynamic_cast<faiss::IndexIVF*>(index.get())) throw Error("vector index kind " + kind + " is not an IVF index");
    const idx_t n = static_cast<idx_t>(training.size() / dim);
    if (n == 0) throw Error("vector index kind " + kind + " needs training vectors");
    index->train(n, training.data());
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index), kind));
  } catch (const faiss::FaissException& e) {
    throw Error("cannot build vector index " + kind + ": " + e.what());
  }
}

std::unique_ptr<VectorIndex> VectorIndex::load(const std::string& file, const std::string& kind) {
  if (!std::filesystem::exists(file)) return nullptr;
  try {
    std::unique_ptr<faiss::Index> index(faiss::read_index(file.c_str()));
    const bool fits = kind == "Flat" ? dynamic_cast<faiss::IndexIDMap2*>(index.get()) != nullptr
                                     : dynamic_cast<faiss::IndexIVF*>(index.get()) != nullptr;
    if (!fits) return nullptr;  // another kind (e.g. one written by an earlier lingbi): rebuild
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index), kind));
  } catch (const std::exception&) {
    return nullptr;  // unreadable: the caller rebuilds it from the catalog
  }
}

void VectorIndex::save(const std::string& file) const {
  stage(file);
  publish(file);
}

void VectorIndex::stage(const std::string& file) const {
  const std::string tmp = file + ".tmp";
  try {
    faiss::write_index(index_.get(), tmp.c_str());
  } catch (const faiss::FaissException& e) {
    discard(file);
    throw Error("cannot write vector index " + tmp + ": " + e.what() + " (is the disk full?)");
  }
  fsync_path(tmp, false);
}

void VectorIndex::discard(const std::string& file) {
  std::error_code ec;
  std::filesystem::remove(file + ".tmp", ec);
}

void VectorIndex::publish(const std::string& file) {
  const std::string tmp = file + ".tmp";
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw Error("cannot rename " + tmp + " to " + file + ": " + ec.message());
  fsync_path(std::filesystem::path(file).parent_path().string(), true);
}

void VectorIndex::add(const std::vector<int64_t>& ids, const std::vector<float>& vectors) {
  if (ids.empty()) return;
  std::vector<idx_t> fids(ids.begin(), ids.end());
  index_->add_with_ids(static_cast<idx_t>(fids.size()), vectors.data(), fids.data());
}

void VectorIndex::remove(const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  std::vector<idx_t> fids(ids.begin(), ids.end());
  faiss::IDSelectorBatch sel(fids.size(), fids.data());
  index_->remove_ids(sel);  // IVF: one pass over the lists, whatever the number of ids
}

std::vector<int64_t> VectorIndex::ids() const {
  if (auto* map = dynamic_cast<faiss::IndexIDMap2*>(index_.get()))
    return std::vector<int64_t>(map->id_map.begin(), map->id_map.end());
  std::vector<int64_t> out;
  const auto* lists = dynamic_cast<faiss::IndexIVF*>(index_.get())->invlists;
  out.reserve(index_->ntotal);
  for (size_t l = 0; l < lists->nlist; ++l) {
    faiss::InvertedLists::ScopedIds list_ids(lists, l);
    out.insert(out.end(), list_ids.get(), list_ids.get() + lists->list_size(l));
  }
  return out;
}

std::vector<float> VectorIndex::reconstruct(int64_t id) const {
  if (kind_ != "Flat") return {};
  std::vector<float> v(index_->d);
  try {
    index_->reconstruct(id, v.data());
  } catch (const faiss::FaissException&) {
    return {};
  }
  return v;
}

void VectorIndex::set_search_params(int nprobe, int k_factor) {
  nprobe_ = nprobe;
  k_factor_ = k_factor;
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index_.get())) ivf->nprobe = nprobe;
}

std::vector<std::pair<int64_t, float>> VectorIndex::search(const float* query, int k, const ExactVectors* exact,
                                                           int nprobe, int k_factor, int asked) const {
  std::vector<std::pair<int64_t, float>> out;
  if (k <= 0 || index_->ntotal == 0) return out;
  const bool rerank = kind_ != "Flat";
  if (rerank && !exact) throw Error("vector index " + kind_ + " needs the catalog's vectors to re-rank");
  const int factor = k_factor > 0 ? k_factor : k_factor_;
  const int64_t wanted_shortlist = rerank ? std::max<int64_t>(k, int64_t(asked > 0 ? asked : k) * factor) : k;
  const int shortlist = static_cast<int>(std::min<int64_t>(wanted_shortlist, index_->ntotal));
  std::vector<float> dist(shortlist);
  std::vector<idx_t> labels(shortlist);
  faiss::SearchParametersIVF params;  // per call: concurrent searches may ask for different probes
  params.nprobe = nprobe > 0 ? nprobe : std::max(1, nprobe_);
  index_->search(1, query, shortlist, dist.data(), labels.data(), rerank ? &params : nullptr);
  for (int i = 0; i < shortlist; ++i)
    if (labels[i] >= 0) out.emplace_back(labels[i], dist[i]);
  if (!rerank) return out;

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

std::vector<std::vector<int64_t>> VectorIndex::search_batch(const float* queries, int nq, int k) const {
  std::vector<float> dist(static_cast<size_t>(nq) * k);
  std::vector<idx_t> labels(static_cast<size_t>(nq) * k);
  index_->search(nq, queries, k, dist.data(), labels.data());
  std::vector<std::vector<int64_t>> out(nq);
  for (int q = 0; q < nq; ++q)
    for (int i = 0; i < k; ++i)
      if (labels[static_cast<size_t>(q) * k + i] >= 0) out[q].push_back(labels[static_cast<size_t>(q) * k + i]);
  return out;
}

}  // namespace lingbi

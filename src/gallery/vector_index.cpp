#include "vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
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

faiss::IndexIVF* ivf_of(faiss::Index* index) {
  auto* map = dynamic_cast<faiss::IndexIDMap2*>(index);
  auto* refine = map ? dynamic_cast<faiss::IndexRefine*>(map->index) : nullptr;
  return refine ? dynamic_cast<faiss::IndexIVF*>(refine->base_index) : nullptr;
}

}  // namespace

VectorIndex::VectorIndex(std::unique_ptr<faiss::Index> index, std::string kind)
    : index_(std::move(index)), kind_(std::move(kind)) {
  if (auto* ivf = ivf_of(index_.get())) set_search_params(std::clamp<int>(ivf->nlist / 32, 16, 64), 32.0f);  // see bench_index
}

std::string VectorIndex::choose_kind(int64_t n, int dim, int64_t flat_limit) {
  if (n < flat_limit || n < 1024) return "Flat";
  int64_t nlist = 16;
  const double target = 4.0 * std::sqrt(static_cast<double>(n));
  while (nlist * 2 <= target && nlist < 65536) nlist *= 2;
  while (nlist > 16 && nlist * 39 > n) nlist /= 2;  // enough training points per list
  return "IVF" + std::to_string(nlist) + ",PQ" + std::to_string(pq_subquantizers(dim)) + "np,RFlat";
}

std::unique_ptr<VectorIndex> VectorIndex::create(int dim, const std::string& kind, const std::vector<float>& training) {
  try {
    if (kind == "Flat") {
      auto map = std::make_unique<faiss::IndexIDMap2>(new faiss::IndexFlatIP(dim));
      map->own_fields = true;
      return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(map), kind));
    }
    const std::string suffix = ",RFlat";
    if (kind.size() <= suffix.size() || kind.compare(kind.size() - suffix.size(), suffix.size(), suffix) != 0)
      throw Error("unknown vector index kind '" + kind + "' (expected Flat or IVF...,PQ...np,RFlat)");
    const std::string base_kind = kind.substr(0, kind.size() - suffix.size());
    std::unique_ptr<faiss::Index> base(faiss::index_factory(dim, base_kind.c_str(), faiss::METRIC_INNER_PRODUCT));
    const idx_t n = static_cast<idx_t>(training.size() / dim);
    if (n == 0) throw Error("vector index kind " + kind + " needs training vectors");
    base->train(n, training.data());
    auto* refine = new faiss::IndexRefineFlat(base.release());
    refine->own_fields = true;
    auto map = std::make_unique<faiss::IndexIDMap2>(refine);
    map->own_fields = true;
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(map), kind));
  } catch (const faiss::FaissException& e) {
    throw Error("cannot build vector index " + kind + ": " + e.what());
  }
}

std::unique_ptr<VectorIndex> VectorIndex::load(const std::string& file, const std::string& kind) {
  if (!std::filesystem::exists(file)) return nullptr;
  try {
    std::unique_ptr<faiss::Index> index(faiss::read_index(file.c_str()));
    if (!dynamic_cast<faiss::IndexIDMap2*>(index.get())) return nullptr;
    return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index), kind));
  } catch (const std::exception&) {
    return nullptr;  // unreadable: the caller rebuilds it from the catalog
  }
}

void VectorIndex::save(const std::string& file) const {
  const std::string tmp = file + ".tmp";
  try {
    faiss::write_index(index_.get(), tmp.c_str());
  } catch (const faiss::FaissException& e) {
    throw Error("cannot write vector index " + tmp + ": " + e.what());
  }
  fsync_path(tmp, false);
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

bool VectorIndex::remove(const std::vector<int64_t>& ids) {
  if (ids.empty()) return true;
  if (kind_ != "Flat") return false;
  std::vector<idx_t> fids(ids.begin(), ids.end());
  faiss::IDSelectorBatch sel(fids.size(), fids.data());
  index_->remove_ids(sel);
  return true;
}

std::vector<int64_t> VectorIndex::ids() const {
  auto* map = dynamic_cast<faiss::IndexIDMap2*>(index_.get());
  return std::vector<int64_t>(map->id_map.begin(), map->id_map.end());
}

std::vector<float> VectorIndex::reconstruct(int64_t id) const {
  std::vector<float> v(index_->d);
  try {
    index_->reconstruct(id, v.data());
  } catch (const faiss::FaissException&) {
    return {};
  }
  return v;
}

void VectorIndex::set_search_params(int nprobe, float k_factor) {
  nprobe_ = nprobe;
  k_factor_ = k_factor;
  if (auto* ivf = ivf_of(index_.get())) {
    ivf->nprobe = nprobe;
    dynamic_cast<faiss::IndexRefine*>(dynamic_cast<faiss::IndexIDMap2*>(index_.get())->index)->k_factor = k_factor;
  }
}

std::vector<std::pair<int64_t, float>> VectorIndex::search(const float* query, int k) const {
  std::vector<std::pair<int64_t, float>> out;
  if (k <= 0 || index_->ntotal == 0) return out;
  k = static_cast<int>(std::min<int64_t>(k, index_->ntotal));
  std::vector<float> dist(k);
  std::vector<idx_t> labels(k);
  index_->search(1, query, k, dist.data(), labels.data());
  for (int i = 0; i < k; ++i)
    if (labels[i] >= 0) out.emplace_back(labels[i], dist[i]);
  return out;
}

}  // namespace lingbi

namespace lingbi {

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

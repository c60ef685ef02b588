#include "vector_index.h"

#include <faiss/IndexIVF.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_io.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "flat_index.h"
#include "ivf_pq_index.h"
#include "lingbi/util/error.h"
#include "lingbi/util/unique_fd.h"

namespace lingbi::gallery {

namespace {

using idx_t = faiss::Index::idx_t;

void fsync_path(const std::string& path, bool directory) {
  UniqueFd fd(::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY));
  if (fd) ::fsync(fd.get());
}

int pq_subquantizers(int dim) {
  int m = std::max(1, dim / 8);
  while (m > 1 && dim % m != 0) --m;
  return m;
}

}  // namespace

VectorIndex::VectorIndex(std::unique_ptr<faiss::Index> index, std::string kind)
    : index_(std::move(index)), kind_(std::move(kind)) {}

VectorIndex::~VectorIndex() = default;

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
  const bool is_legacy = kind.size() >= legacy.size() && kind.compare(kind.size() - legacy.size(), legacy.size(), legacy) == 0;
  return is_legacy ? kind.substr(0, kind.size() - legacy.size()) : kind;
}

int64_t VectorIndex::training_size(const std::string& kind) {
  // FAISS's k-means wants at least 39 points per list; PQ's codebooks at least 256 x 39.
  const int64_t nlist = IvfPqIndex::lists_of(kind);
  return nlist == 0 ? 0 : std::max<int64_t>(40 * nlist, 256 * 40);
}

// The one place a kind string picks its class.
std::unique_ptr<VectorIndex> VectorIndex::create(int dim, const std::string& kind, const std::vector<float>& training) {
  try {
    if (kind == "Flat") return FlatIndex::create(dim);
    if (IvfPqIndex::is_kind(kind)) return IvfPqIndex::create(dim, kind, training);
  } catch (const faiss::FaissException& e) {
    throw Error("cannot build vector index " + kind + ": " + e.what());
  }
  throw Error("unknown vector index kind '" + kind + "' (expected Flat or IVF{lists},PQ{bytes}np)");
}

std::unique_ptr<VectorIndex> VectorIndex::load(const std::string& file, const std::string& kind) {
  if (!std::filesystem::exists(file)) return nullptr;
  try {
    std::unique_ptr<faiss::Index> index(faiss::read_index(file.c_str()));
    // nullptr for another kind (e.g. one written by an earlier lingbi): the caller rebuilds it.
    if (kind == "Flat") return FlatIndex::adopt(std::move(index));
    if (IvfPqIndex::is_kind(kind)) return IvfPqIndex::adopt(std::move(index), kind);
    return nullptr;
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

std::vector<std::pair<int64_t, float>> VectorIndex::faiss_search(const float* query, int k,
                                                                 const faiss::SearchParameters* params) const {
  std::vector<std::pair<int64_t, float>> out;
  k = static_cast<int>(std::min<int64_t>(k, index_->ntotal));
  if (k <= 0) return out;
  std::vector<float> dist(k);
  std::vector<idx_t> labels(k);
  index_->search(1, query, k, dist.data(), labels.data(), params);
  for (int i = 0; i < k; ++i)
    if (labels[i] >= 0) out.emplace_back(labels[i], dist[i]);
  return out;
}

}  // namespace lingbi::gallery

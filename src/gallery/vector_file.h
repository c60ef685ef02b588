// The exact vectors behind an IVF-PQ index in one flat file (vectors.f32 in the gallery folder):
// image id i at offset 4096 + i * dim * 4, so that re-ranking reads all of its short list in one
// batch of direct reads (batch_reads.h; where those are refused, announced with posix_fadvise and
// read one pread each), instead of walking SQLite's B-tree one row after another; on a cold disk
// that is one round of parallel reads instead of a few hundred in a row. The catalog stays the
// truth: a row the file lacks (a hole, or past its end) is read from the catalog instead, and a
// file whose header names another catalog (its token) or dimension is not used. Internal to
// src/gallery.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "batch_reads.h"
#include "exact_vectors.h"

namespace lingbi::gallery {

class VectorFile : public ExactVectors {
 public:
  // Opens `path` if its header matches dim and token; nullptr when it is missing or does not match.
  static std::unique_ptr<VectorFile> open(const std::string& path, int dim, const std::string& token,
                                          const ExactVectors& fallback, bool writable);
  // Creates (or empties) `path` for dim and token; throws lingbi::Error naming it on failure.
  static std::unique_ptr<VectorFile> create(const std::string& path, int dim, const std::string& token,
                                            const ExactVectors& fallback);

  // Stores vectors (ids.size() x dim floats) at their ids' places.
  void write(const std::vector<int64_t>& ids, const std::vector<float>& vectors);
  // Makes what was written durable; the index is saved only after this, so that an index file on
  // disk never names an id whose vector is not on disk.
  void sync();

  // Rows the file may lack or hold stale (added to the catalog after the index was saved, and a
  // reader may not write them): read from the fallback from now on.
  void read_from_fallback(const std::vector<int64_t>& ids) { from_fallback_.insert(ids.begin(), ids.end()); }

  void prefetch(const std::vector<int64_t>& ids) const override;
  bool read_vector(int64_t id, float* out, int dim) const override;
  // In one batch of direct reads (batch_reads.h) where the file system allows it.
  bool reads_directly() const { return batch_ != nullptr; }
  void read_vectors(const std::vector<int64_t>& ids, float* out, int dim, std::vector<char>& found) const override;

  VectorFile(const VectorFile&) = delete;
  VectorFile& operator=(const VectorFile&) = delete;
  ~VectorFile() override;

 private:
  VectorFile(std::string path, int fd, int dim, const ExactVectors& fallback)
      : path_(std::move(path)), fd_(fd), dim_(dim), fallback_(fallback) {}
  int64_t offset_of(int64_t id) const;

  std::string path_;
  int fd_ = -1;
  int dim_ = 0;
  const ExactVectors& fallback_;
  std::unordered_set<int64_t> from_fallback_;
  std::unique_ptr<BatchReads> batch_;  // null where direct reads are not possible
};

}  // namespace lingbi::gallery

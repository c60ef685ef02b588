// Where the exact vectors behind a compressed vector index live: the catalog stores every image's
// vector, so an IVF-PQ index keeps only its short codes in memory and re-ranks its short list by
// reading the few exact vectors it needs. Internal to src/gallery.
#pragma once

#include <cstdint>
#include <vector>

namespace lingbi::gallery {

class ExactVectors {
 public:
  virtual ~ExactVectors() = default;
  // Writes the `dim` floats stored for image `id` to out; false when there is no such image or its
  // stored vector has another size.
  virtual bool read_vector(int64_t id, float* out, int dim) const = 0;
  // Announces the ids about to be read, so that a store on disk can fetch them all at once.
  virtual void prefetch(const std::vector<int64_t>& /*ids*/) const {}
  // Reads the vectors of all of `ids` into out (ids.size() x dim); found[i] as read_vector returns
  // for ids[i]. A store on disk reads them in one batch.
  virtual void read_vectors(const std::vector<int64_t>& ids, float* out, int dim, std::vector<char>& found) const {
    prefetch(ids);
    found.assign(ids.size(), 0);
    for (size_t i = 0; i < ids.size(); ++i) found[i] = read_vector(ids[i], out + i * dim, dim);
  }
};

}  // namespace lingbi::gallery

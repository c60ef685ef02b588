// A gallery: a folder holding an image catalog (catalog.sqlite), the vector index of the images'
// CLIP embeddings (vectors.faiss) and the record of which CLIP model made them. See docs/gallery.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lingbi/gallery/appearance.h"
#include "lingbi/gallery/gallery_embedder.h"

namespace lingbi {

struct GalleryInfo {
  int64_t images = 0;   // distinct pictures (by content hash)
  int64_t paths = 0;    // files pointing at them
  int64_t failed = 0;   // files that could not be indexed
  int64_t vectors = 0;  // vectors in the index (equals images once open)
  std::string index;    // index kind: "Flat" or a FAISS factory string
  int dim = 0;
  std::string model;       // CLIP model name
  std::string model_hash;  // xxh3-128 of the CLIP model file
  std::string model_path;  // where that file was when the gallery was last indexed ("" if not recorded)
};

// One picture in the catalog with everything known about it.
struct ImageRecord {
  int64_t id = 0;
  std::string hash;  // xxh3-128 of the file content
  std::vector<std::string> paths;
  int width = 0, height = 0;
  int64_t bytes = 0;
  std::string caption;
  std::vector<std::string> tags;
  Appearance appearance;
};

struct Failure {
  std::string path;
  std::string reason;
};

struct IndexOptions {
  std::vector<std::string> roots;  // files and folders to walk
  int threads = 0;                 // decoding threads; 0: one per core
  bool take_turns = true;          // decoding pauses while the encoder runs (see index_threads.h)
  int batch_size = 16;             // images per encoder call and per committed batch
  bool hidden = false;             // also index hidden files and folders
  bool prune = false;              // forget files under the roots that no longer exist
  int shard = 0, shards = 1;       // index only the shard-th of `shards` deterministic shares
  int64_t max_pixels = 250'000'000;  // refuse images whose header claims more pixels
  bool progress = true;            // progress on stderr
  double save_interval_s = 30;     // write the vector index at least this often
  int64_t flat_limit = 200'000;    // past this many images the index becomes IVF-PQ (see optimize)
};

struct IndexSummary {
  int64_t added = 0;       // new files with a new picture
  int64_t unchanged = 0;   // same path, size and mtime as before: not read again
  int64_t updated = 0;     // known path whose size or mtime changed
  int64_t duplicates = 0;  // new files whose picture was already there
  int64_t failed = 0;      // files that could not be indexed (new and known)
  int64_t pruned = 0;      // paths forgotten by --prune
  int64_t embedded = 0;    // images sent through the encoder
  double seconds = 0;
};

struct SearchOptions {
  int k = 10;
  std::vector<int64_t> exclude;          // image ids never returned
  std::string path_glob;                 // only images with a path matching this fnmatch glob
  float duplicate_threshold = 0.97f;     // drop a hit this similar (cosine) to a better one; >= 1: off
  float mmr = 0.0f;                      // 0: by score; in (0,1]: weight of diversity in MMR
  // IVF-PQ galleries (past 200k images): lists probed, and candidates re-ranked exactly per result
  // asked. 0: the defaults measured in docs/gallery.md. Fewer is faster, more finds more.
  int probes = 0;
  int rerank = 0;
};

struct SearchHit {
  int64_t id = 0;
  float score = 0;   // cosine similarity to the query
  std::string path;  // first matching path of the image
  std::string caption;
  std::vector<std::string> tags;
  int width = 0, height = 0;
  Appearance appearance;
};

class Gallery {
 public:
  // Opens the gallery in `dir`, creating it for `embedder`'s model if it does not exist; a gallery
  // made with another model (content hash differs) is an Error naming both models.
  static std::unique_ptr<Gallery> open_for(const std::string& dir, const ImageEmbedder& embedder);
  // Opens an existing gallery; throws lingbi::Error when `dir` holds none. Any number of processes
  // may read one gallery at once (search, compose, info); a writer (index, merge, optimize, and
  // open_for/open_like) has it alone. A reader writes nothing in the folder (it may be read-only):
  // one that finds the vector index behind the catalog (after a crash) brings it up to date in
  // memory only, reading the vectors the index or vectors.f32 lack from the catalog.
  enum class Access { read, write };
  static std::unique_ptr<Gallery> open(const std::string& dir, Access access = Access::read);
  // Opens `dir`, creating it for the same model as `model_source` (for merging) if needed.
  static std::unique_ptr<Gallery> open_like(const std::string& dir, const Gallery& model_source);

  // Throws lingbi::Error unless `embedder` is the model this gallery was indexed with.
  void check_model(const ImageEmbedder& embedder) const;
  // Records where the CLIP model file (the one check_model accepts) is, as an absolute path, so
  // that readers need not be told again. Writers only.
  void remember_model_path(const std::string& path);
  // The path recorded in the gallery at `dir` (reading its catalog only), "" when none was.
  // Throws lingbi::Error when `dir` holds no gallery.
  static std::string remembered_model_path(const std::string& dir);

  GalleryInfo info() const;
  std::vector<Failure> failures() const;

  // Walks options.roots and brings the gallery up to date (see docs/gallery.md). Bad files are
  // recorded as failures, never thrown; throws only for unusable roots or a broken gallery.
  IndexSummary index(ImageEmbedder& embedder, const IndexOptions& options);

  // The best images for an L2-normalised query vector of length dim().
  std::vector<SearchHit> search(const std::vector<float>& query, const SearchOptions& options) const;
  // The embedding of a decoded image file, prepared as indexing does: for query by example.
  static std::vector<float> embed_image_file(ImageEmbedder& embedder, const std::string& path);

  // Rebuilds the vector index with the kind suited to the gallery's size (Flat below
  // flat_limit, IVF-PQ with exact re-ranking above). Returns the new kind.
  std::string optimize(int64_t flat_limit = 200'000);

  // Adds every image, path and failure of `other` (same model required), reusing its vectors.
  void merge_from(const Gallery& other);

  // The stored vector of image `id` (empty when there is none).
  std::vector<float> vector_of(int64_t id) const;
  // The vector the index holds for `id` (empty when it holds none); equals vector_of for Flat.
  std::vector<float> index_vector_of(int64_t id) const;
  std::vector<int64_t> index_ids() const;
  std::optional<ImageRecord> image(int64_t id) const;
  std::optional<int64_t> find_hash(const std::string& hash) const;
  std::vector<int64_t> image_ids() const;
  std::string dir() const;

  ~Gallery();
  Gallery(const Gallery&) = delete;
  Gallery& operator=(const Gallery&) = delete;

  struct Impl;  // src/gallery/gallery_impl.h

 private:
  explicit Gallery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lingbi

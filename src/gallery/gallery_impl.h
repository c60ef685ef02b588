// What a Gallery holds and does, behind its public header (lingbi/gallery/gallery.h shows only the
// contract; Gallery forwards every call here). gallery.cpp opens the folder and keeps the vector
// index in step with the catalog; ingest.cpp, search.cpp and merge.cpp hold the rest. Internal to
// src/gallery.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "card_file.h"
#include "catalog.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/unique_fd.h"
#include "vector_file.h"
#include "vector_index.h"

namespace lingbi {

struct Gallery::Impl {
  // Opens (create: creates for the model named) the gallery in `dir`.
  static std::unique_ptr<Impl> open(const std::string& dir, const std::string* model_name,
                                    const std::string* model_hash, int dim, bool writable);
  Impl(std::string dir, UniqueFd lock, std::unique_ptr<gallery::Catalog> catalog, bool writable);

  // The public operations (gallery.h says what each does).
  void check_model(const ImageEmbedder& embedder) const;
  GalleryInfo info() const;
  std::vector<Failure> failures() const;
  IndexSummary index(ImageEmbedder& embedder, const IndexOptions& options);  // ingest.cpp
  std::vector<SearchHit> search(const std::vector<float>& query, const SearchOptions& options) const;  // search.cpp
  std::string optimize(int64_t flat_limit);
  void merge_from(const Impl& other);  // merge.cpp
  std::optional<ImageRecord> image(int64_t id) const;

  // Throws lingbi::Error unless the gallery was opened for writing.
  void require_writable(const char* what) const;
  // After a crash the index file may lag behind the catalog: brings the index up to date.
  void reconcile();
  void rebuild_index(const std::string& kind);
  void apply_to_index(const std::vector<int64_t>& removed, const std::vector<int64_t>& added_ids,
                      const std::vector<float>& added_vectors);
  void save_index();     // writes the index file (atomically)
  void publish_index();  // renames the staged index file over the live one and records its generation
  std::string index_file() const;
  std::string vector_file_path() const;
  // IVF kinds: opens vectors.f32, or (writers) writes it anew from the catalog when it is missing.
  void open_vector_file();
  void create_vector_file();
  // Where re-ranking reads exact vectors: vectors.f32 when there is one, else the catalog.
  const gallery::ExactVectors* exact_vectors() const;
  // Opens cards.bin; a writer also writes it whole when it is missing and brings it in step.
  void open_cards();
  void write_cards();
  // Writers: rewrite the cards the catalog marks stale, then forget the marks.
  void refresh_cards();
  std::string card_file_path() const;

  // Destroyed in reverse order: the index and vector file first, the catalog, then the lock.
  std::string dir_;
  UniqueFd lock_;  // flock: shared by readers, held alone by a writer
  std::unique_ptr<gallery::Catalog> catalog_;
  std::unique_ptr<gallery::VectorFile> vector_file_;  // reads the catalog for what it lacks: after it
  std::unique_ptr<gallery::VectorIndex> index_;
  std::unique_ptr<gallery::CardFile> cards_;  // null: the catalog answers for every hit
  bool writable_ = false;
};

}  // namespace lingbi

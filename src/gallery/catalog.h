// The gallery's catalog in SQLite (WAL): images keyed by content hash with their vectors, the
// paths pointing at them, failures with reasons, and metadata. Internal to src/gallery.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "exact_vectors.h"
#include "lingbi/gallery/appearance.h"
#include "lingbi/util/c_handle.h"

namespace lingbi::gallery {

struct ImageRow {
  int64_t id = 0;
  std::string hash;
  int width = 0, height = 0;
  int64_t bytes = 0;
  std::string caption;
  std::vector<std::string> tags;
  Appearance appearance;
  std::vector<float> vector;
};

// Copies what describes a picture (size, caption, tags, appearance) from a catalog row or a card
// into a public record (ImageRecord, SearchHit), which share these fields.
template <class Row, class Record>
void copy_description(const Row& row, Record& out) {
  out.width = row.width;
  out.height = row.height;
  out.caption = row.caption;
  out.tags = row.tags;
  out.appearance = row.appearance;
}

// What a search hit shows of a picture: its first path in byte order ("" when no file names it any
// more) and its description. cards.bin holds one per picture (card_file.h).
struct Card {
  int64_t id = 0;
  std::string path;
  int width = 0, height = 0;
  std::string caption;
  std::vector<std::string> tags;
  Appearance appearance;
};

struct PathRow {
  std::string path;
  int64_t size = 0, mtime_ns = 0, image_id = 0;
};

struct FailureRow {
  std::string path;
  int64_t size = 0, mtime_ns = 0;
  std::string reason;
};

class Catalog : public ExactVectors {
 public:
  // Opens (or with `create`, creates) the SQLite file; throws lingbi::Error naming it on failure.
  static std::unique_ptr<Catalog> open(const std::string& file, bool create);
  // Opens an existing file for reading only: nothing is written to it or beside it (no schema
  // statements; the -shm file is only used when a write-ahead log left by a killed writer exists).
  static std::unique_ptr<Catalog> open_read_only(const std::string& file);

  std::string meta(const std::string& key) const;  // "" when unset
  // meta("generation") changes with every image inserted, deleted or updated (triggers), in the
  // same transaction: an index saved at one generation holds exactly the images of that generation.
  void set_meta(const std::string& key, const std::string& value);

  void begin();
  void commit();
  void rollback();

  int64_t insert_image(const ImageRow& row);  // returns the new id (never reused: AUTOINCREMENT)
  void delete_image(int64_t id);
  std::optional<int64_t> image_id_for_hash(const std::string& hash) const;
  std::unordered_map<std::string, int64_t> hashes() const;  // hash -> image id
  void upsert_path(const PathRow& row);
  void delete_path(const std::string& path);
  void repoint_paths(int64_t from_id, int64_t to_id);
  void upsert_failure(const FailureRow& row);
  void delete_failure(const std::string& path);
  std::vector<int64_t> orphan_images() const;  // images no path points at

  int64_t count(const char* table) const;
  std::vector<int64_t> image_ids() const;
  std::vector<float> vector_of(int64_t id) const;
  bool read_vector(int64_t id, float* out, int dim) const override;
  std::optional<ImageRow> image(int64_t id, bool with_vector) const;
  std::vector<std::string> paths_of(int64_t id) const;
  std::vector<FailureRow> failures() const;
  std::optional<Card> card(int64_t id) const;  // nullopt: no such image
  void for_each_card(const std::function<void(const Card&)>& f) const;  // in id order
  // Images whose card changed (triggers on images and paths mark them, in the same transaction)
  // since a writer last brought cards.bin in step; forgetting them says it now is, for those.
  std::vector<int64_t> stale_cards() const;
  void forget_stale_cards(const std::vector<int64_t>& ids);
  void forget_all_stale_cards();

  void for_each_image(const std::function<void(const ImageRow&)>& f) const;  // with vectors
  // Every image's id and vector in id order, `chunk` at a time (the last chunk may be smaller; none
  // when the catalog is empty): ids.size() ids and ids.size() x dim floats.
  void for_each_vector_chunk(size_t chunk,
                             const std::function<void(const std::vector<int64_t>& ids,
                                                      const std::vector<float>& vectors)>& f) const;
  void for_each_path(const std::function<void(const PathRow&)>& f) const;
  void for_each_failure(const std::function<void(const FailureRow&)>& f) const;

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  ~Catalog() override;

 private:
  using Stmt = CHandle<sqlite3_stmt, sqlite3_finalize>;

  explicit Catalog(std::string file) : file_(std::move(file)) {}
  void exec(const char* sql) const;
  sqlite3_stmt* stmt(const char* sql) const;  // prepared once, reset before reuse
  void step_done(sqlite3_stmt* s) const;
  // true for a row, false at the end; any error (a damaged page, a failing disk) throws.
  bool step_row(sqlite3_stmt* s) const;
  [[noreturn]] void fail(const std::string& what) const;
  // The first column of every row of `sql`, as ids.
  std::vector<int64_t> ids_of(const char* sql) const;

  std::string file_;
  CHandle<sqlite3, sqlite3_close> db_;
  mutable std::map<std::string, Stmt> stmts_;
};

}  // namespace lingbi::gallery

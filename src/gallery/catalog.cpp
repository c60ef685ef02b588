#include "catalog.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "lingbi/util/error.h"

namespace lingbi::gallery {

namespace {

// paths_by_image_path holds each path beside its image id, so that a search's hit finds its paths
// in that index alone: one B-tree lookup, where paths_by_image(image_id) took two (the index, then
// the paths row). A catalog made before it gets it from the first writer that opens it (7 s at
// 10M paths), which also drops the old index. cards_stale lists the images whose card in cards.bin
// (card_file.h) may be out of date: its triggers mark every change to an image or its paths in the
// change's own transaction, so a crash can never leave a changed card unmarked. (INSERT OR REPLACE
// fires no delete trigger: the path's former image is marked before the insert.)
const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,
  width INTEGER NOT NULL, height INTEGER NOT NULL, bytes INTEGER NOT NULL,
  caption TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '[]',
  luminance REAL NOT NULL, saturation REAL NOT NULL, colourfulness REAL NOT NULL,
  vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS paths(
  path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
  image_id INTEGER NOT NULL REFERENCES images(id));
CREATE INDEX IF NOT EXISTS paths_by_image_path ON paths(image_id, path);
DROP INDEX IF EXISTS paths_by_image;
CREATE TABLE IF NOT EXISTS failures(
  path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, reason TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', '0');
CREATE TRIGGER IF NOT EXISTS images_inserted AFTER INSERT ON images BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
CREATE TRIGGER IF NOT EXISTS images_deleted AFTER DELETE ON images BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
CREATE TRIGGER IF NOT EXISTS images_updated AFTER UPDATE ON images BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
CREATE TABLE IF NOT EXISTS cards_stale(image_id INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS cards_image_inserted AFTER INSERT ON images BEGIN
  INSERT OR IGNORE INTO cards_stale VALUES (NEW.id); END;
CREATE TRIGGER IF NOT EXISTS cards_image_deleted AFTER DELETE ON images BEGIN
  INSERT OR IGNORE INTO cards_stale VALUES (OLD.id); END;
CREATE TRIGGER IF NOT EXISTS cards_image_updated AFTER UPDATE ON images BEGIN
  INSERT OR IGNORE INTO cards_stale VALUES (OLD.id); INSERT OR IGNORE INTO cards_stale VALUES (NEW.id); END;
CREATE TRIGGER IF NOT EXISTS cards_path_inserting BEFORE INSERT ON paths BEGIN
  INSERT OR IGNORE INTO cards_stale SELECT image_id FROM paths WHERE path = NEW.path;
  INSERT OR IGNORE INTO cards_stale VALUES (NEW.image_id); END;
CREATE TRIGGER IF NOT EXISTS cards_path_deleted AFTER DELETE ON paths BEGIN
  INSERT OR IGNORE INTO cards_stale VALUES (OLD.image_id); END;
CREATE TRIGGER IF NOT EXISTS cards_path_updated AFTER UPDATE ON paths BEGIN
  INSERT OR IGNORE INTO cards_stale VALUES (OLD.image_id); INSERT OR IGNORE INTO cards_stale VALUES (NEW.image_id); END;
)sql";

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

std::vector<std::string> parse_tags(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> tags;
  if (j.is_array())
    for (const auto& t : j)
      if (t.is_string()) tags.push_back(t.get<std::string>());
  return tags;
}

ImageRow read_image(sqlite3_stmt* s, bool with_vector) {
  ImageRow r;
  r.id = sqlite3_column_int64(s, 0);
  r.hash = column_text(s, 1);
  r.width = sqlite3_column_int(s, 2);
  r.height = sqlite3_column_int(s, 3);
  r.bytes = sqlite3_column_int64(s, 4);
  r.caption = column_text(s, 5);
  r.tags = parse_tags(column_text(s, 6));
  r.appearance.luminance = static_cast<float>(sqlite3_column_double(s, 7));
  r.appearance.saturation = static_cast<float>(sqlite3_column_double(s, 8));
  r.appearance.colourfulness = static_cast<float>(sqlite3_column_double(s, 9));
  if (with_vector) {
    const int n = sqlite3_column_bytes(s, 10);
    r.vector.resize(n / sizeof(float));
    if (n > 0) std::memcpy(r.vector.data(), sqlite3_column_blob(s, 10), r.vector.size() * sizeof(float));
  }
  return r;
}

const char* kImageColumns =
    "SELECT id, hash, width, height, bytes, caption, tags, luminance, saturation, colourfulness, vector FROM images";

}  // namespace

Catalog::~Catalog() {
  stmts_.clear();  // statements must be finalised before the connection closes
}

std::unique_ptr<Catalog> Catalog::open(const std::string& file, bool create) {
  std::unique_ptr<Catalog> c(new Catalog(file));
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  c->db_.reset(raw);
  if (rc != SQLITE_OK)
    throw Error("cannot open gallery catalog " + file + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(raw, 10000);
  try {
    // A 512-d vector is 2 KB: with SQLite's default 4 KB pages only one row fits a page, which
    // doubles the file (41 GB at 10M pictures). 16 KB pages hold seven. Only new files take it.
    c->exec("PRAGMA page_size=16384");
    c->exec("PRAGMA journal_mode=WAL");
    c->exec("PRAGMA synchronous=NORMAL");
    c->exec("PRAGMA foreign_keys=OFF");
    c->exec(kSchema);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (is " + file + " a lingbi gallery catalog?)");
  }
  return c;
}

namespace {

// SQLite's URI form of a file name: every byte but a few safe ones as %XX (non-UTF-8 names too).
std::string file_uri(const std::string& file, const char* query) {
  std::string uri = "file:";
  for (unsigned char ch : file) {
    if (std::isalnum(ch) || std::strchr("/._-~", ch)) {
      uri += static_cast<char>(ch);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", ch);
      uri += hex;
    }
  }
  return uri + "?" + query;
}

}  // namespace

std::unique_ptr<Catalog> Catalog::open_read_only(const std::string& file) {
  std::unique_ptr<Catalog> c(new Catalog(file));
  // Without a write-ahead log (a writer closed it cleanly) everything is in the file, and the
  // gallery's lock keeps writers out while we read: `immutable` reads it without creating the -shm
  // file. With one (a writer was killed) the log holds committed rows: read it, through the -shm.
  std::error_code ec;
  const auto wal_bytes = std::filesystem::file_size(file + "-wal", ec);
  const bool immutable = ec || wal_bytes == 0;
  sqlite3* raw = nullptr;
  const std::string uri = file_uri(file, immutable ? "immutable=1" : "mode=ro");
  const int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  c->db_.reset(raw);
  if (rc != SQLITE_OK)
    throw Error("cannot open gallery catalog " + file + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(raw, 10000);
  try {
    c->meta("dim");  // fails here, with the file named, if it is no catalog
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (is " + file + " a lingbi gallery catalog?)");
  }
  return c;
}

void Catalog::fail(const std::string& what) const {
  const int code = sqlite3_extended_errcode(db_.get()) & 0xff;
  const char* advice = "";
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    advice = " (the file is damaged: restore the gallery folder from a backup, or index the pictures into a new gallery)";
  else if (code == SQLITE_IOERR)
    advice = " (the disk could not be read or written: check it and its free space, then try again)";
  else if (code == SQLITE_FULL)
    advice = " (the disk is full: free some space and try again)";
  throw Error("gallery catalog " + file_ + ": " + what + ": " + sqlite3_errmsg(db_.get()) + advice);
}

bool Catalog::step_row(sqlite3_stmt* s) const {
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  try {
    fail(std::string("reading (") + sqlite3_sql(s) + ")");
  } catch (...) {
    sqlite3_reset(s);  // ends the statement's read transaction
    throw;
  }
}

void Catalog::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error("gallery catalog " + file_ + ": " + msg);
  }
}

sqlite3_stmt* Catalog::stmt(const char* sql) const {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) fail(std::string("preparing ") + sql);
    it = stmts_.emplace(sql, Stmt(raw)).first;
  }
  sqlite3_reset(it->second.get());
  sqlite3_clear_bindings(it->second.get());
  return it->second.get();
}

void Catalog::step_done(sqlite3_stmt* s) const {
  if (sqlite3_step(s) != SQLITE_DONE) fail(std::string("running ") + sqlite3_sql(s));
  sqlite3_reset(s);
}

std::string Catalog::meta(const std::string& key) const {
  auto* s = stmt("SELECT value FROM meta WHERE key = ?");
  sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  std::string v = step_row(s) ? column_text(s, 0) : "";
  sqlite3_reset(s);
  return v;
}

void Catalog::set_meta(const std::string& key, const std::string& value) {
  auto* s = stmt("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)");
  sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, value.c_str(), -1, SQLITE_TRANSIENT);
  step_done(s);
}

void Catalog::begin() { exec("BEGIN IMMEDIATE"); }
void Catalog::commit() { exec("COMMIT"); }
void Catalog::rollback() { exec("ROLLBACK"); }

int64_t Catalog::insert_image(const ImageRow& r) {
  auto* s = stmt(
      "INSERT INTO images(hash, width, height, bytes, caption, tags, luminance, saturation, colourfulness, vector)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const std::string tags = nlohmann::json(r.tags).dump();
  sqlite3_bind_text(s, 1, r.hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(s, 2, r.width);
  sqlite3_bind_int(s, 3, r.height);
  sqlite3_bind_int64(s, 4, r.bytes);
  sqlite3_bind_text(s, 5, r.caption.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 6, tags.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(s, 7, r.appearance.luminance);
  sqlite3_bind_double(s, 8, r.appearance.saturation);
  sqlite3_bind_double(s, 9, r.appearance.colourfulness);
  sqlite3_bind_blob(s, 10, r.vector.data(), static_cast<int>(r.vector.size() * sizeof(float)), SQLITE_TRANSIENT);
  step_done(s);
  return sqlite3_last_insert_rowid(db_.get());
}

void Catalog::delete_image(int64_t id) {
  auto* s = stmt("DELETE FROM images WHERE id = ?");
  sqlite3_bind_int64(s, 1, id);
  step_done(s);
}

std::optional<int64_t> Catalog::image_id_for_hash(const std::string& hash) const {
  auto* s = stmt("SELECT id FROM images WHERE hash = ?");
  sqlite3_bind_text(s, 1, hash.c_str(), -1, SQLITE_TRANSIENT);
  std::optional<int64_t> id;
  if (step_row(s)) id = sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  return id;
}

std::unordered_map<std::string, int64_t> Catalog::hashes() const {
  std::unordered_map<std::string, int64_t> out;
  auto* s = stmt("SELECT hash, id FROM images");
  while (step_row(s)) out.emplace(column_text(s, 0), sqlite3_column_int64(s, 1));
  sqlite3_reset(s);
  return out;
}

void Catalog::upsert_path(const PathRow& r) {
  auto* s = stmt("INSERT OR REPLACE INTO paths(path, size, mtime_ns, image_id) VALUES (?, ?, ?, ?)");
  sqlite3_bind_text(s, 1, r.path.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, r.size);
  sqlite3_bind_int64(s, 3, r.mtime_ns);
  sqlite3_bind_int64(s, 4, r.image_id);
  step_done(s);
}

void Catalog::delete_path(const std::string& path) {
  auto* s = stmt("DELETE FROM paths WHERE path = ?");
  sqlite3_bind_text(s, 1, path.c_str(), -1, SQLITE_TRANSIENT);
  step_done(s);
}

void Catalog::repoint_paths(int64_t from_id, int64_t to_id) {
  auto* s = stmt("UPDATE paths SET image_id = ? WHERE image_id = ?");
  sqlite3_bind_int64(s, 1, to_id);
  sqlite3_bind_int64(s, 2, from_id);
  step_done(s);
}

void Catalog::upsert_failure(const FailureRow& r) {
  auto* s = stmt("INSERT OR REPLACE INTO failures(path, size, mtime_ns, reason) VALUES (?, ?, ?, ?)");
  sqlite3_bind_text(s, 1, r.path.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, r.size);
  sqlite3_bind_int64(s, 3, r.mtime_ns);
  sqlite3_bind_text(s, 4, r.reason.c_str(), -1, SQLITE_TRANSIENT);
  step_done(s);
}

void Catalog::delete_failure(const std::string& path) {
  auto* s = stmt("DELETE FROM failures WHERE path = ?");
  sqlite3_bind_text(s, 1, path.c_str(), -1, SQLITE_TRANSIENT);
  step_done(s);
}

std::vector<int64_t> Catalog::ids_of(const char* sql) const {
  std::vector<int64_t> ids;
  auto* s = stmt(sql);
  while (step_row(s)) ids.push_back(sqlite3_column_int64(s, 0));
  sqlite3_reset(s);
  return ids;
}

std::vector<int64_t> Catalog::orphan_images() const {
  return ids_of("SELECT id FROM images WHERE NOT EXISTS (SELECT 1 FROM paths WHERE paths.image_id = images.id)");
}

int64_t Catalog::count(const char* table) const {
  const std::string sql = std::string("SELECT COUNT(*) FROM ") + table;
  auto* s = stmt(sql.c_str());  // table is one of our own names, never user input
  const int64_t n = step_row(s) ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  return n;
}

std::vector<int64_t> Catalog::image_ids() const { return ids_of("SELECT id FROM images ORDER BY id"); }

namespace {

// Calls f(blob, bytes) with the stored vector of image `id` (s: kVectorById); false when there is
// no such image.
template <class Step, class F>
bool with_vector_blob(sqlite3_stmt* s, int64_t id, Step&& step_row, F&& f) {
  sqlite3_bind_int64(s, 1, id);
  const bool found = step_row(s);
  if (found) f(sqlite3_column_blob(s, 0), sqlite3_column_bytes(s, 0));
  sqlite3_reset(s);
  return found;
}

constexpr const char* kVectorById = "SELECT vector FROM images WHERE id = ?";

}  // namespace

std::vector<float> Catalog::vector_of(int64_t id) const {
  std::vector<float> v;
  with_vector_blob(stmt(kVectorById), id, [this](sqlite3_stmt* st) { return step_row(st); }, [&](const void* blob, int bytes) {
    v.resize(bytes / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), blob, v.size() * sizeof(float));
  });
  return v;
}

bool Catalog::read_vector(int64_t id, float* out, int dim) const {
  bool fits = false;
  with_vector_blob(stmt(kVectorById), id, [this](sqlite3_stmt* st) { return step_row(st); }, [&](const void* blob, int bytes) {
    fits = bytes == static_cast<int>(dim * sizeof(float));
    if (fits) std::memcpy(out, blob, dim * sizeof(float));
  });
  return fits;
}

std::optional<ImageRow> Catalog::image(int64_t id, bool with_vector) const {
  static const std::string sql = std::string(kImageColumns) + " WHERE id = ?";
  auto* s = stmt(sql.c_str());
  sqlite3_bind_int64(s, 1, id);
  std::optional<ImageRow> r;
  if (step_row(s)) r = read_image(s, with_vector);
  sqlite3_reset(s);
  return r;
}

std::vector<std::string> Catalog::paths_of(int64_t id) const {
  auto* s = stmt("SELECT path FROM paths WHERE image_id = ? ORDER BY path");
  sqlite3_bind_int64(s, 1, id);
  std::vector<std::string> out;
  while (step_row(s)) out.push_back(column_text(s, 0));
  sqlite3_reset(s);
  return out;
}

namespace {

// A card's columns: the image's (as kImageColumns, its first path in byte order where the vector
// was: the covering index answers that alone), NULL when no path names it.
constexpr const char* kCardColumns =
    "SELECT id, hash, width, height, bytes, caption, tags, luminance, saturation, colourfulness,"
    " (SELECT path FROM paths WHERE image_id = images.id ORDER BY path LIMIT 1) FROM images";

Card read_card(sqlite3_stmt* s) {
  const ImageRow row = read_image(s, false);
  Card c;
  c.id = row.id;
  copy_description(row, c);
  c.path = column_text(s, 10);
  return c;
}

}  // namespace

std::optional<Card> Catalog::card(int64_t id) const {
  static const std::string sql = std::string(kCardColumns) + " WHERE id = ?";
  auto* s = stmt(sql.c_str());
  sqlite3_bind_int64(s, 1, id);
  std::optional<Card> c;
  if (step_row(s)) c = read_card(s);
  sqlite3_reset(s);
  return c;
}

void Catalog::for_each_card(const std::function<void(const Card&)>& f) const {
  static const std::string sql = std::string(kCardColumns) + " ORDER BY id";
  auto* s = stmt(sql.c_str());
  while (step_row(s)) f(read_card(s));
  sqlite3_reset(s);
}

std::vector<int64_t> Catalog::stale_cards() const { return ids_of("SELECT image_id FROM cards_stale ORDER BY image_id"); }

void Catalog::forget_stale_cards(const std::vector<int64_t>& ids) {
  auto* s = stmt("DELETE FROM cards_stale WHERE image_id = ?");
  for (int64_t id : ids) {
    sqlite3_bind_int64(s, 1, id);
    step_done(s);
  }
}

void Catalog::forget_all_stale_cards() { exec("DELETE FROM cards_stale"); }

std::vector<FailureRow> Catalog::failures() const {
  std::vector<FailureRow> out;
  for_each_failure([&](const FailureRow& r) { out.push_back(r); });
  return out;
}

void Catalog::for_each_image(const std::function<void(const ImageRow&)>& f) const {
  static const std::string sql = std::string(kImageColumns) + " ORDER BY id";
  auto* s = stmt(sql.c_str());
  while (step_row(s)) f(read_image(s, true));
  sqlite3_reset(s);
}

void Catalog::for_each_vector_chunk(
    size_t chunk, const std::function<void(const std::vector<int64_t>&, const std::vector<float>&)>& f) const {
  std::vector<int64_t> ids;
  std::vector<float> vectors;
  auto* s = stmt("SELECT id, vector FROM images ORDER BY id");  // no other column: no tags to parse
  while (step_row(s)) {
    ids.push_back(sqlite3_column_int64(s, 0));
    const auto* v = static_cast<const float*>(sqlite3_column_blob(s, 1));
    vectors.insert(vectors.end(), v, v + sqlite3_column_bytes(s, 1) / sizeof(float));
    if (ids.size() >= chunk) {
      f(ids, vectors);
      ids.clear();
      vectors.clear();
    }
  }
  sqlite3_reset(s);
  if (!ids.empty()) f(ids, vectors);
}

void Catalog::for_each_path(const std::function<void(const PathRow&)>& f) const {
  auto* s = stmt("SELECT path, size, mtime_ns, image_id FROM paths ORDER BY path");
  while (step_row(s))
    f(PathRow{column_text(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3)});
  sqlite3_reset(s);
}

void Catalog::for_each_failure(const std::function<void(const FailureRow&)>& f) const {
  auto* s = stmt("SELECT path, size, mtime_ns, reason FROM failures ORDER BY path");
  while (step_row(s))
    f(FailureRow{column_text(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2), column_text(s, 3)});
  sqlite3_reset(s);
}

}  // namespace lingbi::gallery

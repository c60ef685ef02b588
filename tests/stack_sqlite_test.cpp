// SQLite links; a database in WAL mode keeps committed rows across close and reopen.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;
using Stmt = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

Db open_db(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open(path.c_str(), &raw);
  Db db(raw);
  EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(raw);
  return db;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  ASSERT_EQ(rc, SQLITE_OK) << (err ? err : "") << " in " << sql;
  sqlite3_free(err);
}

std::string query_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &raw, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  Stmt stmt(raw);
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return "<no row>";
  const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
  return text ? reinterpret_cast<const char*>(text) : "<null>";
}

TEST(StackSqlite, WalRoundTrip) {
  lingbi::test::TempDir dir;
  const std::string path = (dir / "catalog.sqlite").string();
  {
    Db db = open_db(path);
    EXPECT_EQ(query_text(db.get(), "PRAGMA journal_mode=WAL"), "wal");
    exec(db.get(), "CREATE TABLE images(id INTEGER PRIMARY KEY, hash BLOB UNIQUE NOT NULL, path TEXT)");
    exec(db.get(), "BEGIN");
    sqlite3_stmt* raw = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db.get(), "INSERT INTO images(hash, path) VALUES(?, ?)", -1, &raw, nullptr), SQLITE_OK);
    Stmt insert(raw);
    for (int i = 0; i < 100; ++i) {
      unsigned char hash[16] = {};
      hash[0] = static_cast<unsigned char>(i);
      std::string p = "photos/" + std::to_string(i) + ".jpg";
      sqlite3_bind_blob(insert.get(), 1, hash, sizeof hash, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.get(), 2, p.c_str(), -1, SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(insert.get()), SQLITE_DONE);
      sqlite3_reset(insert.get());
    }
    exec(db.get(), "COMMIT");
    // A duplicate hash is refused by the UNIQUE constraint, and the stored rows stay.
    unsigned char dup[16] = {};
    sqlite3_bind_blob(insert.get(), 1, dup, sizeof dup, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert.get(), 2, "again.jpg", -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(insert.get()), SQLITE_CONSTRAINT);
    // Uncommitted work is rolled back when the connection closes.
    exec(db.get(), "BEGIN; INSERT INTO images(hash, path) VALUES(x'ff', 'lost.jpg');");
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  Db db = open_db(path);
  EXPECT_EQ(query_text(db.get(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(db.get(), "SELECT count(*) FROM images"), "100");
  EXPECT_EQ(query_text(db.get(), "SELECT path FROM images WHERE id = 42"), "photos/41.jpg");
  EXPECT_EQ(query_text(db.get(), "SELECT count(*) FROM images WHERE path = 'lost.jpg'"), "0");
}

}  // namespace

// Runs SQL on a gallery's catalog file as another program would (read-write, its triggers firing;
// as a killed run or an older lingbi leaves it). Several statements may be given, separated by ';'.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace lingbi::test {

// Every value of every row the statements return, each followed by ';'. A statement that fails is
// a test failure.
inline std::string catalog_sql(const std::filesystem::path& file, const std::string& statements) {
  sqlite3* db = nullptr;
  std::string out;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const char* rest = statements.c_str();
  while (*rest) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, rest, -1, &s, &rest), SQLITE_OK) << sqlite3_errmsg(db);
    if (!s) break;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(s); ++c)
        if (const unsigned char* t = sqlite3_column_text(s, c)) out += std::string(reinterpret_cast<const char*>(t)) + ";";
    EXPECT_EQ(rc, SQLITE_DONE) << statements << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace lingbi::test

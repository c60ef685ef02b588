// Readers never write: an IVF-PQ gallery whose `lingbi index` was killed (the index file and
// vectors.f32 behind the catalog) answers `lingbi search` and `lingbi gallery info` at once, from a
// read-only folder as an unprivileged user, and the folder is left exactly as it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/process.h"
#include "support/temp_dir.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string quote(const std::string& s) { return "'" + s + "'"; }

// The program user nobody runs: a copy in the test's own folder, since the build folder may lie
// where nobody cannot reach it (a clone under /root, say).
std::string nobodys_program;

std::string run(const std::string& args, int& status, bool as_nobody = false) {
  const std::string prefix = as_nobody ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "";
  const std::string program = as_nobody ? nobodys_program : lingbi::test::lingbi_program();
  return lingbi::test::run_capture(prefix + quote(program) + " " + args + " 2>&1", status);
}

// One SQL value of the catalog, read-only.
std::string sql_value(const fs::path& g, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2((g / "catalog.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

// Every file of the folder with its size, mtime, inode and content.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st {};
    ::stat(e.path().c_str(), &st);
    out[e.path().filename().string()] = std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
                                        std::to_string(st.st_mtim.tv_nsec) + " " + std::to_string(st.st_ino) + " " +
                                        std::to_string(std::hash<std::string>{}(lingbi::test::read_bytes(e.path())));
  }
  return out;
}

TEST(GalleryReader, KilledIvfPqIndexIsSearchedFromAReadOnlyFolderWithoutWriting) {
  lingbi::test::TempDir dir;
  const fs::path clip = lingbi::test::gallery_clip_gguf();
  // The unprivileged user must reach the binary, the model and the pictures.
  fs::permissions(dir.path(), fs::perms(0755));
  fs::permissions(clip.parent_path(), fs::perms(0755));
  nobodys_program = (dir / "lingbi").string();
  fs::copy_file(lingbi::test::lingbi_program(), nobodys_program);
  int st = 0;
  const std::string probe = run("--help", st, true);
  ASSERT_EQ(st, 0) << "cannot run lingbi as user nobody via setpriv: " << probe;

  const fs::path photos = dir / "photos", g = dir / "g";
  lingbi::test::make_pictures(photos / "a", 0, 1100, 32, 48);
  const std::string index_args = "index --gallery " + quote(g.string()) + " --clip " + quote(clip.string()) +
                                 " -q -t 2 --flat-limit 1024 --save-interval 1000 " + quote(photos.string());
  std::string out = run(index_args, st);
  ASSERT_EQ(st, 0) << out;
  ASSERT_EQ(sql_value(g, "SELECT value FROM meta WHERE key = 'index_kind'").rfind("IVF", 0), 0u) << "IVF-PQ expected";
  const int64_t saved_max = std::stoll(sql_value(g, "SELECT MAX(id) FROM images"));

  // More pictures, and the run that indexes them killed before it saves the index.
  lingbi::test::make_pictures(photos / "b", 1100, 500, 32, 48);
  std::string command = "exec " + quote(lingbi::test::lingbi_program()) + " " + index_args + " >/dev/null 2>&1";
  char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), command.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ), 0);
  for (int i = 0; i < 6000 && std::stoll("0" + sql_value(g, "SELECT COUNT(*) FROM images")) < 1300; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  const int64_t images = std::stoll(sql_value(g, "SELECT COUNT(*) FROM images"));
  ASSERT_GT(images, saved_max) << "the killed run committed nothing";
  ASSERT_LT(images, 1600) << "the killed run finished before the kill";
  EXPECT_NE(sql_value(g, "SELECT value FROM meta WHERE key = 'index_generation'"),
            sql_value(g, "SELECT value FROM meta WHERE key = 'generation'"))
      << "the index file should lag the catalog";
  // As if the writer died before writing the new rows into vectors.f32 too.
  const int dim = std::stoi(sql_value(g, "SELECT value FROM meta WHERE key = 'dim'"));
  fs::resize_file(g / "vectors.f32", 4096 + (saved_max + 1) * dim * 4);

  // Pictures committed by the killed run only: each must be found first, by its own picture.
  const int64_t newest = std::stoll(sql_value(g, "SELECT MAX(id) FROM images"));
  std::vector<std::string> wanted;
  for (int64_t id : {saved_max + 1, (saved_max + newest) / 2, newest})
    wanted.push_back(sql_value(g, "SELECT path FROM paths WHERE image_id = " + std::to_string(id)));

  const auto before = snapshot(g);
  fs::permissions(g, fs::perms(0555));
  for (const auto& path : wanted) {
    out = run("search --gallery " + quote(g.string()) + " --clip " + quote(clip.string()) + " -t 1 -k 3 --json --image " +
                  quote(path),
              st, true);
    ASSERT_EQ(st, 0) << out;
    const json hits = json::parse(out);
    ASSERT_FALSE(hits.empty()) << out;
    EXPECT_EQ(hits[0]["path"], path) << out;
    EXPECT_GT(hits[0]["score"].get<double>(), 0.999) << out;
  }
  out = run("gallery info --json " + quote(g.string()), st, true);
  ASSERT_EQ(st, 0) << out;
  const json info = json::parse(out);
  EXPECT_EQ(info["images"], images);
  EXPECT_EQ(info["vectors"], images) << "the reader brings the index in step in memory";
  EXPECT_EQ(info["index"].get<std::string>().rfind("IVF", 0), 0u);
  fs::permissions(g, fs::perms(0755));
  EXPECT_EQ(snapshot(g), before) << "a reader changed the gallery folder";

  // Where it could write (root, a writable folder) a reader still does not; SQLite may touch the
  // shared-memory file of the write-ahead log the killed writer left.
  out = run("search --gallery " + quote(g.string()) + " --clip " + quote(clip.string()) + " -t 1 -k 3 --json --image " +
                quote(wanted[0]),
            st);
  ASSERT_EQ(st, 0) << out;
  auto after = snapshot(g), expected = before;
  after.erase("catalog.sqlite-shm");
  expected.erase("catalog.sqlite-shm");
  EXPECT_EQ(after, expected);

  // A writer repairs the files; the answers stay the same.
  out = run(index_args, st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(sql_value(g, "SELECT value FROM meta WHERE key = 'index_generation'"),
            sql_value(g, "SELECT value FROM meta WHERE key = 'generation'"));
  EXPECT_GE(fs::file_size(g / "vectors.f32"), 4096u + newest * dim * 4);
  out = run("search --gallery " + quote(g.string()) + " --clip " + quote(clip.string()) + " -t 1 -k 3 --json --image " +
                quote(wanted[1]),
            st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(json::parse(out)[0]["path"], wanted[1]) << out;
}

}  // namespace

// Crash safety: `lingbi index` killed with SIGKILL at random moments and run again ends with the
// same catalog and index as an uninterrupted run. Then the IVF-PQ index kind on the same gallery.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "lingbi/gallery/gallery.h"
#include "support/gallery_compare.h"
#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using lingbi::Gallery;

std::string lingbi_bin() {
  const char* dir = std::getenv("LINGBI_BIN_DIR");
  return (fs::path(dir ? dir : "bin") / "lingbi").string();
}

pid_t spawn_index(const std::string& gallery, const std::string& photos) {
  const std::string bin = lingbi_bin(), clip = lingbi::test::gallery_clip_gguf().string();
  std::vector<std::string> args = {bin, "index", "--gallery", gallery, "--clip", clip, photos,
                                   "-q", "-t", "2", "--batch", "16", "--save-interval", "0.3"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "cannot start " << bin;
  return pid;
}

// Polls the catalog (read-only; WAL lets a reader in while the indexer writes) until it holds
// `target` images or the process has exited.
void wait_for_images(const std::string& gallery, int target, pid_t pid) {
  const std::string file = (fs::path(gallery) / "catalog.sqlite").string();
  for (int i = 0; i < 6000; ++i) {
    siginfo_t info{};
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) return;  // ended
    int64_t n = 0;
    sqlite3* db = nullptr;
    if (fs::exists(file) && sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM images", -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
      sqlite3_finalize(s);
    }
    sqlite3_close(db);
    if (n >= target) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(GalleryCrash, KilledRunsResumeToTheSameGalleryAsOneRun) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos";
  auto pics = lingbi::test::make_pictures(photos, 0, 1980, 32, 56);
  for (int c = 0; c < 20; ++c) fs::copy_file(pics[c * 13], photos / ("copy" + std::to_string(c) + pics[c * 13].extension().string()));
  lingbi::test::write_bytes(photos / "broken.jpg", "not a picture");

  // The uninterrupted reference, through the same binary.
  const std::string ref_dir = (dir / "ref").string(), crash_dir = (dir / "crashed").string();
  const auto t0 = std::chrono::steady_clock::now();
  int status = wait_exit(spawn_index(ref_dir, photos.string()));
  const double full_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "reference run failed";
  std::printf("uninterrupted run: %.1f s\n", full_s);

  // Killed at random moments (once the catalog holds a random number of images, plus a random
  // delay, so that the kill lands mid-run however loaded the machine is), then run to the end.
  std::mt19937 rng(2026);
  std::uniform_int_distribution<int> extra_ms(0, 40);
  const int targets[] = {150 + static_cast<int>(rng() % 200), 600 + static_cast<int>(rng() % 200),
                         1100 + static_cast<int>(rng() % 200), 1500 + static_cast<int>(rng() % 200)};
  int killed = 0;
  for (int target : targets) {
    const pid_t pid = spawn_index(crash_dir, photos.string());
    wait_for_images(crash_dir, target, pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms(rng)));
    kill(pid, SIGKILL);
    const int st = wait_exit(pid);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ++killed;  // it had not finished yet
  }
  EXPECT_GE(killed, 3);
  {
    auto partial = Gallery::open(crash_dir);  // opening reconciles; the run below resumes
    EXPECT_LT(partial->info().images, 1980) << "the killed runs should not have finished";
    lingbi::test::expect_index_agrees(*partial);
  }
  status = wait_exit(spawn_index(crash_dir, photos.string()));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "final run failed";

  auto ref = Gallery::open(ref_dir);
  auto crashed = Gallery::open(crash_dir, Gallery::Access::write);
  EXPECT_EQ(ref->info().images, 1980);
  EXPECT_EQ(crashed->info().images, 1980);
  EXPECT_EQ(crashed->info().paths, 2000);
  lingbi::test::expect_index_agrees(*ref);
  lingbi::test::expect_index_agrees(*crashed);
  lingbi::test::expect_same_content(lingbi::test::content_of(*ref), lingbi::test::content_of(*crashed), 1e-6f);

  // Past the flat limit the index becomes IVF-PQ re-ranked from the catalog; search still finds
  // each stored picture first, and the kind survives reopening.
  const std::string kind = crashed->optimize(1000);
  EXPECT_NE(kind, "Flat");
  EXPECT_EQ(kind.rfind("IVF", 0), 0u) << kind;
  EXPECT_EQ(kind.substr(kind.size() - 2), "np") << kind;
  auto ids = crashed->image_ids();
  int first = 0, tried = 0;
  for (size_t i = 0; i < ids.size(); i += 40, ++tried) {
    lingbi::SearchOptions o;
    o.k = 5;
    o.duplicate_threshold = 1.0f;
    auto hits = crashed->search(crashed->vector_of(ids[i]), o);
    if (!hits.empty() && hits[0].id == ids[i]) ++first;
  }
  EXPECT_GE(first, tried * 9 / 10);
  crashed.reset();
  auto reopened = Gallery::open(crash_dir, Gallery::Access::write);
  EXPECT_EQ(reopened->info().index, kind);
  EXPECT_EQ(reopened->info().vectors, 1980);

  // Changed files on an IVF-PQ index: their old vectors are replaced in place.
  for (int i = 0; i < 3; ++i)
    fs::last_write_time(pics[500 + i], fs::last_write_time(pics[500 + i]) + std::chrono::seconds(3));
  auto embedder = lingbi::test::make_test_embedder();
  lingbi::IndexOptions o;
  o.roots = {photos.string()};
  o.threads = 1;
  o.progress = false;
  o.flat_limit = 1000;
  const auto s = reopened->index(*embedder, o);
  EXPECT_EQ(s.updated, 3);
  EXPECT_EQ(s.embedded, 3);
  EXPECT_EQ(reopened->info().index, kind);
  lingbi::test::expect_index_agrees(*reopened);
}

}  // namespace

namespace {

// A run that died after committing to the catalog but before saving the index: opening the
// gallery sees that the index was saved at an older catalog generation and brings it in step
// (an index saved at the current generation is trusted without listing the catalog).
TEST(GalleryCrash, AnIndexSavedBeforeTheLastCommitIsBroughtInStep) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos", g = dir / "g";
  lingbi::test::make_pictures(photos, 0, 40, 32, 48);
  auto embedder = lingbi::test::make_test_embedder();
  int64_t gone = 0;
  {
    auto gallery = Gallery::open_for(g.string(), *embedder);
    lingbi::IndexOptions o;
    o.roots = {photos.string()};
    o.threads = 1;
    o.progress = false;
    gallery->index(*embedder, o);
    gone = gallery->image_ids().at(5);
  }
  {  // what a crash leaves: the catalog changed, the index file not saved since
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((g / "catalog.sqlite").c_str(), &db), SQLITE_OK);
    const std::string sql = "DELETE FROM paths WHERE image_id = " + std::to_string(gone) +
                            "; DELETE FROM images WHERE id = " + std::to_string(gone) + ";";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto reader = Gallery::open(g.string());
  EXPECT_EQ(reader->info().images, 39);
  EXPECT_EQ(reader->info().vectors, 39) << "the index dropped the image the catalog lost";
  lingbi::test::expect_index_agrees(*reader);
}

}  // namespace

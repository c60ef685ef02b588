// Indexing a realistic folder: distinct pictures, copies, hostile files; reruns, touched files,
// deleted files with --prune. Counts must be exact.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "lingbi/gallery/gallery.h"
#include "lingbi/util/hash.h"
#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"
#include "support/unprivileged.h"

namespace {

namespace fs = std::filesystem;
using lingbi::Gallery;
using lingbi::IndexOptions;
using lingbi::IndexSummary;

IndexOptions options_for(const fs::path& root) {
  IndexOptions o;
  o.roots = {root.string()};
  o.threads = 1;
  o.batch_size = 16;
  o.progress = false;
  return o;
}

std::string abs_path(const fs::path& p) { return fs::absolute(p).lexically_normal().string(); }

// The catalog and the index agree: same ids, and each index vector equals the stored one.
void expect_index_matches_catalog(const Gallery& g) {
  auto ids = g.image_ids(), in_index = g.index_ids();
  std::sort(in_index.begin(), in_index.end());
  EXPECT_EQ(ids, in_index);
  for (int64_t id : ids) ASSERT_EQ(g.vector_of(id), g.index_vector_of(id)) << id;
}

TEST(GalleryIngest, FiveHundredPicturesWithCopiesAndHostileFiles) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos";
  const int unique = 470, copies = 30;
  auto pics = lingbi::test::make_pictures(photos, 0, unique);
  for (int c = 0; c < copies; ++c) {  // copies at other paths, some in another folder
    const fs::path& src = pics[c * 7];
    fs::path dst = photos / "copies" / ("copy" + std::to_string(c) + src.extension().string());
    fs::create_directories(dst.parent_path());
    fs::copy_file(src, dst);
  }
  auto hostile = lingbi::test::make_hostile(photos / "odd");  // an unreadable file: UnreadableFile below
  // Hidden files and folders are skipped unless asked; non-image files are ignored.
  lingbi::test::make_pictures(photos / ".cache", 900, 3);
  lingbi::test::write_bytes(photos / "readme.md", "not indexed");
  const int n_fail = static_cast<int>(hostile.must_fail.size());
  const int n_odd = static_cast<int>(hostile.odd_valid.size());
  ASSERT_GE(n_fail, 24);
  ASSERT_EQ(n_odd, 6);

  auto embedder = lingbi::test::make_test_embedder();
  const std::string gdir = (dir / "gallery").string();
  IndexSummary s;
  {
    auto g = Gallery::open_for(gdir, *embedder);
    s = g->index(*embedder, options_for(photos));
    EXPECT_EQ(s.added, unique + n_odd);
    EXPECT_EQ(s.duplicates, copies);
    EXPECT_EQ(s.failed, n_fail);
    EXPECT_EQ(s.updated, 0);
    EXPECT_EQ(s.unchanged, 0);
    EXPECT_EQ(s.embedded, unique + n_odd);
    auto info = g->info();
    EXPECT_EQ(info.images, unique + n_odd);
    EXPECT_EQ(info.paths, unique + n_odd + copies);
    EXPECT_EQ(info.failed, n_fail);
    EXPECT_EQ(info.vectors, info.images);
    EXPECT_EQ(info.index, "Flat");
    EXPECT_EQ(info.model, embedder->name());

    std::set<std::string> expected_failed;
    for (const auto& p : hostile.must_fail) expected_failed.insert(abs_path(p));
    std::map<std::string, std::string> reasons;
    for (const auto& f : g->failures()) reasons[f.path] = f.reason;
    std::set<std::string> failed;
    for (const auto& [p, r] : reasons) {
      failed.insert(p);
      EXPECT_FALSE(r.empty()) << p;
    }
    EXPECT_EQ(failed, expected_failed);
    EXPECT_NE(reasons[abs_path(photos / "odd" / "empty.jpg")].find("empty file"), std::string::npos);
    EXPECT_NE(reasons[abs_path(photos / "odd" / "huge.png")].find("above the limit"), std::string::npos);
    EXPECT_NE(reasons[abs_path(photos / "odd" / "huge.jpg")].find("above the limit"), std::string::npos);
    EXPECT_NE(reasons[abs_path(photos / "odd" / "gone1.jpg")].find("cannot read"), std::string::npos);
    // Copies share one picture: the copy's path points at the original's image.
    auto original = g->find_hash(lingbi::xxh3_128_file_hex(pics[7].string()));
    ASSERT_TRUE(original);
    auto rec = g->image(*original);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->paths.size(), 2u);
    expect_index_matches_catalog(*g);
  }
  {  // Again: nothing is read or embedded.
    auto g = Gallery::open_for(gdir, *embedder);
    s = g->index(*embedder, options_for(photos));
    EXPECT_EQ(s.embedded, 0);
    EXPECT_EQ(s.added, 0);
    EXPECT_EQ(s.duplicates, 0);
    EXPECT_EQ(s.updated, 0);
    EXPECT_EQ(s.unchanged, unique + n_odd + copies);
    EXPECT_EQ(s.failed, n_fail);
  }
  {  // Touch 10 files: exactly those are embedded again.
    for (int i = 0; i < 10; ++i)
      fs::last_write_time(pics[100 + i], fs::last_write_time(pics[100 + i]) + std::chrono::seconds(5));
    auto g = Gallery::open_for(gdir, *embedder);
    s = g->index(*embedder, options_for(photos));
    EXPECT_EQ(s.updated, 10);
    EXPECT_EQ(s.embedded, 10);
    EXPECT_EQ(s.unchanged, unique + n_odd + copies - 10);
    auto info = g->info();
    EXPECT_EQ(info.images, unique + n_odd);
    EXPECT_EQ(info.vectors, info.images);
  }
  {  // Delete 5 (pictures without copies) and prune: gone from catalog and index.
    std::set<std::string> gone_hashes;
    for (int i = 0; i < 5; ++i) {
      const fs::path& p = pics[300 + 2 * i + 1];  // copies are of pics[0..203]
      gone_hashes.insert(lingbi::xxh3_128_file_hex(p.string()));
      fs::remove(p);
    }
    auto g = Gallery::open_for(gdir, *embedder);
    auto o = options_for(photos);
    o.prune = true;
    s = g->index(*embedder, o);
    EXPECT_EQ(s.pruned, 5);
    EXPECT_EQ(s.embedded, 0);
    auto info = g->info();
    EXPECT_EQ(info.images, unique + n_odd - 5);
    EXPECT_EQ(info.paths, unique + n_odd + copies - 5);
    EXPECT_EQ(info.vectors, info.images);
    for (const auto& h : gone_hashes) EXPECT_FALSE(g->find_hash(h)) << h;
    expect_index_matches_catalog(*g);
  }
}

// A file the indexing user may not read is a failure with the reason, next to pictures that index.
// CI runs as root, which reads anything: the indexing runs as user nobody.
TEST(GalleryIngest, UnreadableFileIsAFailureWithItsReason) {
  lingbi::test::TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  const fs::path photos = dir / "photos";
  auto pics = lingbi::test::make_pictures(photos, 0, 3);
  const fs::path locked = photos / "locked.jpg";
  fs::copy_file(pics[1], locked);
  fs::permissions(locked, fs::perms::none);
  const fs::path gdir = dir / "gallery";
  fs::create_directories(gdir);
  lingbi::test::AsNobody::give_to_nobody(gdir);

  auto embedder = lingbi::test::make_test_embedder();
  IndexSummary s;
  std::vector<lingbi::Failure> failures;
  {
    lingbi::test::AsNobody nobody;
    ASSERT_NE(geteuid(), 0u) << "the indexing must not run as root";
    auto g = Gallery::open_for(gdir.string(), *embedder);
    s = g->index(*embedder, options_for(photos));
    failures = g->failures();
  }
  EXPECT_EQ(s.added, 3);
  EXPECT_EQ(s.failed, 1);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].path, abs_path(locked));
  EXPECT_NE(failures[0].reason.find("Permission denied"), std::string::npos) << failures[0].reason;
}

}  // namespace


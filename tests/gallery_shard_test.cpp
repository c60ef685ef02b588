// Shards: four `--shard i/4` galleries merged hold the same pictures, vectors, paths and
// failures as one run over everything; merging galleries of different models is refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "support/gallery_compare.h"
#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"
#include "tiny_clip.h"

namespace {

namespace fs = std::filesystem;
using lingbi::Gallery;

lingbi::IndexOptions options_for(const fs::path& root, int shard, int shards) {
  lingbi::IndexOptions o;
  o.roots = {root.string()};
  o.threads = 1;
  o.progress = false;
  o.shard = shard;
  o.shards = shards;
  return o;
}

TEST(GalleryShards, FourShardsMergedEqualOneRun) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos";
  auto pics = lingbi::test::make_pictures(photos, 0, 300, 32, 64);
  for (int c = 0; c < 12; ++c) fs::copy_file(pics[c * 5], photos / ("copy" + std::to_string(c) + pics[c * 5].extension().string()));
  lingbi::test::write_bytes(photos / "bad1.jpg", "not a picture");
  lingbi::test::write_bytes(photos / "bad2.png", "");
  auto embedder = lingbi::test::make_test_embedder();

  auto whole = Gallery::open_for((dir / "whole").string(), *embedder);
  whole->index(*embedder, options_for(photos, 0, 1));
  int64_t shard_paths = 0;
  for (int i = 0; i < 4; ++i) {
    auto g = Gallery::open_for((dir / ("shard" + std::to_string(i))).string(), *embedder);
    const auto s = g->index(*embedder, options_for(photos, i, 4));
    EXPECT_GT(s.added, 40) << "shard " << i << " should hold about a quarter";
    shard_paths += g->info().paths + g->info().failed;
  }
  EXPECT_EQ(shard_paths, 314) << "every file lands in exactly one shard";
  {
    auto first = Gallery::open((dir / "shard0").string());
    auto merged = Gallery::open_like((dir / "merged").string(), *first);
    merged->merge_from(*first);
    for (int i = 1; i < 4; ++i) merged->merge_from(*Gallery::open((dir / ("shard" + std::to_string(i))).string()));
    lingbi::test::expect_index_agrees(*merged);
    EXPECT_EQ(merged->info().images, whole->info().images);
    EXPECT_EQ(merged->info().paths, 312);
    EXPECT_EQ(merged->info().failed, 2);
    // Merging copies vectors bit for bit; they differ from the one run's only as far as the
    // encoder's results depend on which images share a batch (float rounding).
    lingbi::test::expect_same_content(lingbi::test::content_of(*whole), lingbi::test::content_of(*merged), 1e-6f);
  }
  // The merged gallery is complete: indexing it again over the same folder finds nothing to do.
  auto merged = Gallery::open((dir / "merged").string(), Gallery::Access::write);
  const auto again = merged->index(*embedder, options_for(photos, 0, 1));
  EXPECT_EQ(again.embedded, 0);
  EXPECT_EQ(again.unchanged, 312);
}

TEST(GalleryShards, MergeAndIndexRefuseAnotherModel) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos";
  lingbi::test::make_pictures(photos, 0, 6, 32, 48);
  lingbi::dev::write_tiny_clip(dir / "other", 99);
  auto mine = lingbi::test::make_test_embedder();
  auto other = lingbi::load_clip_embedder((dir / "other" / "clip.gguf").string(), 1, 16);
  ASSERT_NE(mine->content_hash(), other->content_hash());
  Gallery::open_for((dir / "a").string(), *mine)->index(*mine, options_for(photos, 0, 1));
  Gallery::open_for((dir / "b").string(), *other)->index(*other, options_for(photos, 0, 1));
  try {
    Gallery::open_for((dir / "a").string(), *other);
    FAIL() << "opening a gallery for another model must throw";
  } catch (const lingbi::Error& e) {
    EXPECT_NE(std::string(e.what()).find(mine->content_hash()), std::string::npos) << e.what();
  }
  auto a = Gallery::open((dir / "a").string(), Gallery::Access::write);
  auto b = Gallery::open((dir / "b").string());
  EXPECT_THROW(a->merge_from(*b), lingbi::Error);
  EXPECT_EQ(a->info().images, 6);  // nothing of b got in
}

}  // namespace

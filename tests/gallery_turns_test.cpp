// What the ingestion speed-ups must not change: decoders and encoder taking turns index exactly
// what a fixed split indexes; `lingbi index`'s thread plan; a large JPEG decoded at a reduced
// scale gives the thumbnail a full decode gives, within a grey level on average.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <vips/vips8>

#include "gallery/image_decode.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/index_threads.h"
#include "lingbi/util/vips_init.h"
#include "support/gallery_embedder.h"
#include "support/temp_dir.h"
#include "test_pictures.h"

namespace {

namespace fs = std::filesystem;

// hash -> vector of every picture in a gallery.
std::map<std::string, std::vector<float>> vectors_by_hash(const lingbi::Gallery& g) {
  std::map<std::string, std::vector<float>> out;
  for (int64_t id : g.image_ids()) out[g.image(id)->hash] = g.vector_of(id);
  return out;
}

TEST(GalleryTurns, TakingTurnsIndexesWhatAFixedSplitIndexes) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos";
  const auto pics = lingbi::dev::make_pictures(photos, 0, 60);
  fs::copy_file(pics[3], photos / "copy3" += pics[3].extension());  // a copy: one picture, two paths
  auto embedder = lingbi::test::make_test_embedder();
  std::map<std::string, std::vector<float>> by_mode[2];
  for (bool turns : {true, false}) {
    auto g = lingbi::Gallery::open_for((dir / (turns ? "turns" : "split")).string(), *embedder);
    lingbi::IndexOptions o;
    o.roots = {photos.string()};
    o.threads = 3;     // several decoders wait for their turn at once
    o.batch_size = 4;  // many turns
    o.take_turns = turns;
    o.progress = false;
    const lingbi::IndexSummary s = g->index(*embedder, o);
    EXPECT_EQ(s.added, 60) << turns;
    EXPECT_EQ(s.duplicates, 1) << turns;
    EXPECT_EQ(s.failed, 0) << turns;
    EXPECT_EQ(s.embedded, 60) << turns;
    by_mode[turns] = vectors_by_hash(*g);
  }
  ASSERT_EQ(by_mode[true].size(), 60u);
  for (const auto& [hash, v] : by_mode[false]) {
    ASSERT_TRUE(by_mode[true].count(hash)) << hash;
    const auto& w = by_mode[true][hash];
    ASSERT_EQ(v.size(), w.size());
    for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], w[i], 1e-5f) << hash << " " << i;
  }
}

TEST(GalleryTurns, ThreadPlanOfLingbiIndex) {
  const lingbi::IndexThreads shared = lingbi::plan_index_threads(4, 0);
  EXPECT_EQ(shared.decoders, 4);
  EXPECT_EQ(shared.encoder, 4);
  EXPECT_TRUE(shared.take_turns);
  const lingbi::IndexThreads split = lingbi::plan_index_threads(4, 1);
  EXPECT_EQ(split.decoders, 1);
  EXPECT_EQ(split.encoder, 3);
  EXPECT_FALSE(split.take_turns);
  EXPECT_EQ(lingbi::plan_index_threads(2, 2).encoder, 1);  // the encoder always has a thread
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(lingbi::plan_index_threads(0, 0).encoder, cores);
}

TEST(GalleryTurns, ReducedScaleJpegMatchesAFullDecode) {
  lingbi::ensure_vips();
  lingbi::test::TempDir dir;
  // 2400 x 1800 with detail at every scale: decoded at 1/8 for 224 pixels (1800 / 8 = 225).
  const fs::path path = dir / "big.jpg";
  vips::VImage img = lingbi::dev::make_picture(5, 2400, 1800);
  img.jpegsave(path.c_str(), vips::VImage::option()->set("Q", 90));
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                         std::istreambuf_iterator<char>());
  const lingbi::gallery::DecodedImage d = lingbi::gallery::decode_image(path.string(), bytes, 224, int64_t(1) << 40);
  EXPECT_EQ(d.width, 2400);
  EXPECT_EQ(d.height, 1800);
  EXPECT_EQ(std::min(d.thumbnail.width(), d.thumbnail.height()), 224);
  // The reference: every pixel decoded, then the same box-down resize.
  vips::VImage full = vips::VImage::new_from_file(path.c_str()).copy_memory();
  vips::VImage ref = full.thumbnail_image(
      d.thumbnail.width(),
      vips::VImage::option()->set("height", d.thumbnail.height())->set("size", VIPS_SIZE_DOWN));
  ASSERT_EQ(ref.width(), d.thumbnail.width());
  ASSERT_EQ(ref.height(), d.thumbnail.height());
  const vips::VImage diff = (ref.cast(VIPS_FORMAT_FLOAT) - d.thumbnail.cast(VIPS_FORMAT_FLOAT)).abs();
  EXPECT_LT(diff.avg(), 1.0);
  EXPECT_LT(std::abs(ref.avg() - d.thumbnail.avg()), 0.5);
}

}  // namespace

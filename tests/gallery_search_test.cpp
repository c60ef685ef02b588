// Search: query by example finds the picture itself, exclusions and path filters hold, near
// duplicates are suppressed, MMR keeps the best hit first; wrong queries are clear errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "lingbi/util/hash.h"
#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using lingbi::Gallery;
using lingbi::SearchOptions;

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

class GallerySearch : public ::testing::Test {
 protected:
  void SetUp() override {
    photos_ = dir_ / "photos";
    pics_ = lingbi::test::make_pictures(photos_, 0, 80, 40, 72);
    // Near duplicates of the first 10: the same picture re-encoded as a low-quality JPEG.
    for (int i = 0; i < 10; ++i) {
      vips::VImage img = vips::VImage::new_from_file(pics_[i].c_str());
      const fs::path p = photos_ / "near" / ("near" + std::to_string(i) + ".jpg");
      fs::create_directories(p.parent_path());
      img.jpegsave(p.c_str(), vips::VImage::option()->set("Q", 70));
      near_.push_back(p);
    }
    embedder_ = lingbi::test::make_test_embedder();
    gallery_ = Gallery::open_for((dir_ / "g").string(), *embedder_);
    lingbi::IndexOptions o;
    o.roots = {photos_.string()};
    o.threads = 1;
    o.progress = false;
    const auto s = gallery_->index(*embedder_, o);
    ASSERT_EQ(s.added, 90);
  }
  int64_t id_of(const fs::path& p) { return gallery_->find_hash(lingbi::xxh3_128_file_hex(p.string())).value_or(-1); }

  lingbi::test::TempDir dir_;
  fs::path photos_;
  std::vector<fs::path> pics_, near_;
  std::unique_ptr<lingbi::ImageEmbedder> embedder_;
  std::unique_ptr<Gallery> gallery_;
};

TEST_F(GallerySearch, QueryByExampleReturnsTheImageItselfFirst) {
  for (int i = 10; i < 80; i += 7) {
    const auto q = Gallery::embed_image_file(*embedder_, pics_[i].string());
    SearchOptions o;
    o.k = 5;
    const auto hits = gallery_->search(q, o);
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].id, id_of(pics_[i])) << pics_[i];
    EXPECT_NEAR(hits[0].score, 1.0f, 1e-4);
    EXPECT_EQ(hits[0].path, fs::absolute(pics_[i]).lexically_normal().string());
    for (size_t h = 1; h < hits.size(); ++h) EXPECT_LE(hits[h].score, hits[h - 1].score);
  }
}

TEST_F(GallerySearch, ExcludedIdsNeverAppear) {
  const auto q = embedder_->embed_text("a red circle on a blue gradient");
  SearchOptions o;
  o.k = 10;
  o.duplicate_threshold = 1.0f;
  const auto first = gallery_->search(q, o);
  ASSERT_EQ(first.size(), 10u);
  for (int i = 0; i < 10; i += 2) o.exclude.push_back(first[i].id);
  o.exclude.push_back(id_of(pics_[40]));
  const auto second = gallery_->search(q, o);
  EXPECT_EQ(second.size(), 10u);
  const std::set<int64_t> excluded(o.exclude.begin(), o.exclude.end());
  for (const auto& h : second) EXPECT_FALSE(excluded.count(h.id)) << h.id;
}

TEST_F(GallerySearch, NearDuplicatesAreSuppressed) {
  const auto q = Gallery::embed_image_file(*embedder_, pics_[3].string());
  const int64_t self = id_of(pics_[3]), near = id_of(near_[3]);
  ASSERT_NE(self, near);
  const float near_sim = dot(gallery_->vector_of(self), gallery_->vector_of(near));
  ASSERT_LT(near_sim, 1.0f);
  SearchOptions off;
  off.k = 10;
  off.duplicate_threshold = 1.0f;
  auto hits = gallery_->search(q, off);
  std::vector<int64_t> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  ASSERT_NE(std::find(ids.begin(), ids.end(), near), ids.end()) << "the near duplicate ranks in the top 10 when kept";

  SearchOptions on = off;
  on.duplicate_threshold = std::min(near_sim, 0.999f) - 1e-4f;
  hits = gallery_->search(q, on);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, self);
  for (const auto& h : hits) EXPECT_NE(h.id, near);
  for (size_t a = 0; a < hits.size(); ++a)
    for (size_t b = a + 1; b < hits.size(); ++b)
      EXPECT_LT(dot(gallery_->vector_of(hits[a].id), gallery_->vector_of(hits[b].id)), on.duplicate_threshold);
}

TEST_F(GallerySearch, PathGlobAndMmr) {
  const auto q = Gallery::embed_image_file(*embedder_, pics_[6].string());
  SearchOptions o;
  o.k = 8;
  o.path_glob = "*/sub1/*";
  for (const auto& h : gallery_->search(q, o)) EXPECT_NE(h.path.find("/sub1/"), std::string::npos) << h.path;
  EXPECT_EQ(gallery_->search(q, o).size(), 8u);

  SearchOptions m;
  m.k = 8;
  m.mmr = 0.5f;
  m.duplicate_threshold = 1.0f;
  const auto hits = gallery_->search(q, m);
  ASSERT_EQ(hits.size(), 8u);
  EXPECT_EQ(hits[0].id, id_of(pics_[6]));
  std::set<int64_t> distinct;
  for (const auto& h : hits) distinct.insert(h.id);
  EXPECT_EQ(distinct.size(), hits.size());
}

TEST_F(GallerySearch, WrongQueriesAreClearErrors) {
  try {
    gallery_->search(std::vector<float>(7, 0.1f), {});
    FAIL() << "a query of the wrong dimension must throw";
  } catch (const lingbi::Error& e) {
    EXPECT_NE(std::string(e.what()).find("7 dimensions"), std::string::npos) << e.what();
  }
  try {
    Gallery::embed_image_file(*embedder_, (photos_ / "missing.jpg").string());
    FAIL() << "a missing query image must throw";
  } catch (const lingbi::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jpg"), std::string::npos) << e.what();
  }
}

}  // namespace

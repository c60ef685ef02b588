// Search: query by example finds the picture itself, exclusions and path filters hold, near
// duplicates are suppressed, MMR keeps the best hit first; every hit carries its own path and row,
// a picture no file names any more is replaced, pictures indexed after a search are found by the
// next; a hit's paths come from one covering index, which the first writer adds to an older
// catalog; wrong queries are clear errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "lingbi/util/hash.h"
#include "support/catalog_sql.h"
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

using lingbi::test::catalog_sql;

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

// Each hit's path and description are its own picture's, for every k.
TEST_F(GallerySearch, EveryHitCarriesItsOwnPathAndRow) {
  const std::vector<std::vector<float>> queries = {embedder_->embed_text("a red circle on a blue gradient"),
                                                   Gallery::embed_image_file(*embedder_, pics_[17].string()),
                                                   Gallery::embed_image_file(*embedder_, near_[5].string())};
  int checked = 0;
  for (const auto& q : queries)
    for (int k : {1, 2, 10, 40}) {
      SearchOptions o;
      o.k = k;
      const auto hits = gallery_->search(q, o);
      ASSERT_EQ(hits.size(), static_cast<size_t>(k));
      for (const auto& h : hits) {
        const auto record = gallery_->image(h.id);
        ASSERT_TRUE(record.has_value()) << h.id;
        ASSERT_FALSE(record->paths.empty());
        EXPECT_EQ(h.path, record->paths.front()) << "hit " << h.id;
        EXPECT_EQ(h.width, record->width) << "hit " << h.id;
        EXPECT_EQ(h.height, record->height) << "hit " << h.id;
        EXPECT_EQ(h.caption, record->caption) << "hit " << h.id;
        ++checked;
      }
    }
  EXPECT_EQ(checked, 3 * (1 + 2 + 10 + 40));
}

// A killed run can leave a picture that no path names: search leaves it out and still returns k.
TEST_F(GallerySearch, APictureNoFileNamesIsReplacedByTheNextBest) {
  const auto q = Gallery::embed_image_file(*embedder_, pics_[23].string());
  const int64_t self = id_of(pics_[23]);
  SearchOptions o;
  o.k = 10;
  const auto before = gallery_->search(q, o);
  ASSERT_EQ(before.size(), 10u);
  ASSERT_EQ(before[0].id, self);
  gallery_.reset();
  const fs::path file = dir_ / "g" / "catalog.sqlite";
  const std::string count = "SELECT COUNT(*) FROM paths WHERE image_id = " + std::to_string(self);
  ASSERT_EQ(catalog_sql(file, count), "1;");
  catalog_sql(file, "DELETE FROM paths WHERE image_id = " + std::to_string(self));
  ASSERT_EQ(catalog_sql(file, count), "0;");
  gallery_ = Gallery::open((dir_ / "g").string());
  const auto after = gallery_->search(q, o);
  ASSERT_EQ(after.size(), 10u);
  for (const auto& h : after) EXPECT_NE(h.id, self);
  // The others keep their order: the former second is now first, and so on.
  for (size_t i = 0; i + 1 < before.size(); ++i) EXPECT_EQ(after[i].id, before[i + 1].id) << i;
}

// A gallery reopened for writing finds what it indexes after its first search.
TEST_F(GallerySearch, PicturesIndexedAfterASearchAreFoundByTheNext) {
  gallery_.reset();
  gallery_ = Gallery::open((dir_ / "g").string(), Gallery::Access::write);
  const auto first = gallery_->search(embedder_->embed_text("a red circle on a blue gradient"), {});
  ASSERT_FALSE(first.empty());
  const auto more = lingbi::test::make_pictures(dir_ / "more", 500, 6, 40, 72);
  lingbi::IndexOptions o;
  o.roots = {(dir_ / "more").string()};
  o.threads = 1;
  o.progress = false;
  ASSERT_EQ(gallery_->index(*embedder_, o).added, 6);
  for (const auto& p : more) {
    const auto hits = gallery_->search(Gallery::embed_image_file(*embedder_, p.string()), {});
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].id, id_of(p));
    EXPECT_EQ(hits[0].path, fs::absolute(p).lexically_normal().string());
    EXPECT_GT(hits[0].width, 0);
  }
}

// A hit's paths come from the covering index alone; a catalog made before it had
// paths_by_image(image_id) and gets the new index from the first writer that opens it.
TEST_F(GallerySearch, ACatalogWithTheOldPathIndexIsUpgradedByTheFirstWriter) {
  gallery_.reset();
  const fs::path file = dir_ / "g" / "catalog.sqlite";
  const auto sql = [&](const std::string& statement) { return catalog_sql(file, statement); };
  const std::string indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'paths' AND sql IS NOT NULL";
  const std::string plan = "EXPLAIN QUERY PLAN SELECT path FROM paths WHERE image_id = 3 ORDER BY path";
  ASSERT_EQ(sql(indexes), "paths_by_image_path;");
  EXPECT_NE(sql(plan).find("COVERING INDEX paths_by_image_path"), std::string::npos) << sql(plan);
  sql("DROP INDEX paths_by_image_path");
  sql("CREATE INDEX paths_by_image ON paths(image_id)");
  ASSERT_EQ(sql(indexes), "paths_by_image;");

  const auto q = Gallery::embed_image_file(*embedder_, pics_[31].string());
  gallery_ = Gallery::open((dir_ / "g").string());  // a reader searches it as it is
  ASSERT_FALSE(gallery_->search(q, {}).empty());
  EXPECT_EQ(gallery_->search(q, {})[0].path, fs::absolute(pics_[31]).lexically_normal().string());
  gallery_.reset();
  EXPECT_EQ(sql(indexes), "paths_by_image;");
  gallery_ = Gallery::open((dir_ / "g").string(), Gallery::Access::write);
  EXPECT_EQ(sql(indexes), "paths_by_image_path;");
  EXPECT_NE(sql(plan).find("COVERING INDEX paths_by_image_path"), std::string::npos) << sql(plan);
  EXPECT_EQ(gallery_->search(q, {})[0].path, fs::absolute(pics_[31]).lexically_normal().string());
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

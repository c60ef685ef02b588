// vectors.f32, the flat file IVF-PQ galleries re-rank from: rows by id, holes and foreign files
// answered from the catalog, a full disk reported, and search through it equal to search through
// the catalog alone.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "gallery/catalog.h"
#include "gallery/vector_file.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "lingbi/util/unique_fd.h"
#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using lingbi::gallery::VectorFile;

std::vector<float> unit_vector(int dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(dim);
  float norm = 0;
  for (auto& x : v) {
    x = normal(rng);
    norm += x * x;
  }
  for (auto& x : v) x /= std::sqrt(norm);
  return v;
}

struct Stored {
  lingbi::test::TempDir dir;
  std::unique_ptr<lingbi::gallery::Catalog> catalog;
  std::vector<int64_t> ids;
  static constexpr int kDim = 16;
  explicit Stored(int dim = kDim) {
    catalog = lingbi::gallery::Catalog::open((dir / "catalog.sqlite").string(), true);
    catalog->begin();
    for (int i = 0; i < 20; ++i) {
      lingbi::gallery::ImageRow row;
      row.hash = "h" + std::to_string(i);
      row.vector = unit_vector(dim, i);
      ids.push_back(catalog->insert_image(row));
    }
    catalog->commit();
  }
  std::string file() const { return (dir / "vectors.f32").string(); }
};

TEST(GalleryVectorFile, RowsByIdWithTheCatalogBehindIt) {
  Stored s;
  auto f = VectorFile::create(s.file(), Stored::kDim, "token-a", *s.catalog);
  // Only the even ids go into the file; odd ones are holes the catalog answers for.
  std::vector<int64_t> even;
  std::vector<float> vectors;
  for (size_t i = 0; i < s.ids.size(); i += 2) {
    even.push_back(s.ids[i]);
    auto v = unit_vector(Stored::kDim, 1000 + i);  // different from the catalog's, to tell them apart
    vectors.insert(vectors.end(), v.begin(), v.end());
  }
  f->write(even, vectors);
  f->sync();
  std::vector<float> out(Stored::kDim);
  ASSERT_TRUE(f->read_vector(s.ids[2], out.data(), Stored::kDim));
  EXPECT_EQ(out, unit_vector(Stored::kDim, 1002)) << "a row the file has is read from the file";
  ASSERT_TRUE(f->read_vector(s.ids[3], out.data(), Stored::kDim));
  EXPECT_EQ(out, unit_vector(Stored::kDim, 3)) << "a hole is answered by the catalog";
  ASSERT_TRUE(f->read_vector(s.ids.back(), out.data(), Stored::kDim)) << "past the end: the catalog";
  EXPECT_EQ(out, unit_vector(Stored::kDim, 19));
  EXPECT_FALSE(f->read_vector(99999, out.data(), Stored::kDim)) << "an id nobody has";
  f->prefetch(s.ids);  // only a hint; must not disturb reads
  ASSERT_TRUE(f->read_vector(s.ids[0], out.data(), Stored::kDim));
  EXPECT_EQ(out, unit_vector(Stored::kDim, 1000));
  f.reset();

  // Reopened with the same token and dimension it is used; another catalog's or dimension's is not.
  EXPECT_TRUE(VectorFile::open(s.file(), Stored::kDim, "token-a", *s.catalog, false));
  EXPECT_FALSE(VectorFile::open(s.file(), Stored::kDim, "token-b", *s.catalog, false));
  EXPECT_FALSE(VectorFile::open(s.file(), 32, "token-a", *s.catalog, false));
  EXPECT_FALSE(VectorFile::open(s.file(), Stored::kDim, "", *s.catalog, false));
  EXPECT_FALSE(VectorFile::open((s.dir / "missing.f32").string(), Stored::kDim, "token-a", *s.catalog, false));
  { std::ofstream(s.file(), std::ios::binary | std::ios::trunc) << "garbage"; }
  EXPECT_FALSE(VectorFile::open(s.file(), Stored::kDim, "token-a", *s.catalog, false));
}

// Re-ranking reads its short list in one batch: direct reads where the file system allows them
// (512-d rows of 2 KB), row by row through the page cache otherwise (16-d rows of 64 bytes are too
// small for O_DIRECT). Either way each row is what read_vector gives, holes and all.
TEST(GalleryVectorFile, ABatchReadsWhatRowByRowReads) {
  for (const int dim : {16, 512}) {
    Stored s(dim);
    auto f = VectorFile::create(s.file(), dim, "token-a", *s.catalog);
    std::vector<int64_t> even;
    std::vector<float> vectors;
    for (size_t i = 0; i < s.ids.size() - 1; i += 2) {  // the last row stays past the end
      even.push_back(s.ids[i]);
      auto v = unit_vector(dim, 1000 + i);
      vectors.insert(vectors.end(), v.begin(), v.end());
    }
    f->write(even, vectors);
    f->sync();
    f->read_from_fallback({s.ids[4]});  // the file's row may be stale: the catalog's counts
    const bool direct = lingbi::UniqueFd(::open(s.file().c_str(), O_RDONLY | O_DIRECT)).get() >= 0;
    if (dim == 512 && direct) {
      EXPECT_TRUE(f->reads_directly()) << "the file system takes O_DIRECT: the batch must use it";
    }
    std::vector<int64_t> wanted(s.ids.rbegin(), s.ids.rend());
    wanted.push_back(99999);  // nobody has it
    std::vector<float> batch(wanted.size() * dim, -1.0f);
    std::vector<char> found;
    f->read_vectors(wanted, batch.data(), dim, found);
    ASSERT_EQ(found.size(), wanted.size());
    for (size_t i = 0; i < wanted.size(); ++i) {
      std::vector<float> one(dim);
      const bool has = f->read_vector(wanted[i], one.data(), dim);
      EXPECT_EQ(static_cast<bool>(found[i]), has) << "dim " << dim << ", id " << wanted[i];
      if (has) {
        EXPECT_EQ(std::vector<float>(batch.begin() + i * dim, batch.begin() + (i + 1) * dim), one)
            << "dim " << dim << ", id " << wanted[i];
      }
    }
    EXPECT_FALSE(found.back());
    // A second, longer batch reuses (and grows) what the first left behind, and reads the same.
    std::vector<int64_t> twice(wanted);
    twice.insert(twice.end(), wanted.begin(), wanted.end());
    std::vector<float> again(twice.size() * dim, -1.0f);
    std::vector<char> found_again;
    f->read_vectors(twice, again.data(), dim, found_again);
    std::vector<float> doubled(batch);
    doubled.insert(doubled.end(), batch.begin(), batch.end());
    std::vector<char> found_doubled(found);
    found_doubled.insert(found_doubled.end(), found.begin(), found.end());
    EXPECT_EQ(found_again, found_doubled) << "dim " << dim;
    for (size_t i = 0; i < twice.size(); ++i)
      if (found_again[i]) {
        EXPECT_EQ(std::vector<float>(again.begin() + i * dim, again.begin() + (i + 1) * dim),
                  std::vector<float>(doubled.begin() + i * dim, doubled.begin() + (i + 1) * dim))
            << "dim " << dim << ", row " << i;
      }
    const auto at = [&](size_t i) { return std::vector<float>(batch.begin() + i * dim, batch.begin() + (i + 1) * dim); };
    EXPECT_EQ(at(wanted.size() - 2 - 2), unit_vector(dim, 1002)) << "a row of the file";
    EXPECT_EQ(at(wanted.size() - 2 - 3), unit_vector(dim, 3)) << "a hole: the catalog's";
    EXPECT_EQ(at(wanted.size() - 2 - 4), unit_vector(dim, 4)) << "marked stale: the catalog's";
    EXPECT_EQ(at(0), unit_vector(dim, 19)) << "past the end: the catalog's";
  }
}

TEST(GalleryVectorFile, AFullDiskIsReportedByName) {
  Stored s;
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  try {
    VectorFile::create("/dev/full", Stored::kDim, "t", *s.catalog);
    FAIL() << "writing to a full disk must fail";
  } catch (const lingbi::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No space left"), std::string::npos) << e.what();
  }
}

// An IVF-PQ gallery searches through vectors.f32; without it (removed, or a foreign one) a reader
// re-ranks from the catalog and finds the same, and the next writer writes it again.
TEST(GalleryVectorFile, SearchIsTheSameWithOrWithoutTheFile) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos", g = dir / "g";
  lingbi::test::make_pictures(photos, 0, 1100, 32, 48);
  auto embedder = lingbi::test::make_test_embedder();
  std::vector<std::vector<float>> queries;
  std::vector<std::vector<lingbi::SearchHit>> expected;
  lingbi::SearchOptions o;
  o.k = 8;
  o.duplicate_threshold = 1.0f;
  {
    auto gallery = lingbi::Gallery::open_for(g.string(), *embedder);
    lingbi::IndexOptions io;
    io.roots = {photos.string()};
    io.threads = 1;
    io.progress = false;
    gallery->index(*embedder, io);
    ASSERT_NE(gallery->optimize(1000), "Flat");
    ASSERT_TRUE(fs::exists(g / "vectors.f32"));
    auto ids = gallery->image_ids();
    for (size_t i = 0; i < ids.size(); i += 100) {
      queries.push_back(gallery->vector_of(ids[i]));
      expected.push_back(gallery->search(queries.back(), o));
      ASSERT_FALSE(expected.back().empty());
      EXPECT_EQ(expected.back()[0].id, ids[i]);
      EXPECT_NEAR(expected.back()[0].score, 1.0f, 1e-5) << "exact scores";
    }
  }
  auto same_hits = [&](lingbi::Gallery& gallery, const char* when) {
    for (size_t q = 0; q < queries.size(); ++q) {
      auto hits = gallery.search(queries[q], o);
      ASSERT_EQ(hits.size(), expected[q].size()) << when;
      for (size_t i = 0; i < hits.size(); ++i) {
        EXPECT_EQ(hits[i].id, expected[q][i].id) << when;
        EXPECT_EQ(hits[i].score, expected[q][i].score) << when;
      }
    }
  };
  fs::remove(g / "vectors.f32");
  {
    auto reader = lingbi::Gallery::open(g.string());
    same_hits(*reader, "re-ranked from the catalog");
    lingbi::SearchOptions bad = o;
    bad.rerank = -1;
    EXPECT_THROW(reader->search(queries[0], bad), lingbi::Error);
    lingbi::SearchOptions all = o;  // every list probed: each stored picture still finds itself first
    all.probes = 4096;
    all.rerank = 4;
    EXPECT_EQ(reader->search(queries[1], all).at(0).id, expected[1][0].id);
    EXPECT_FALSE(fs::exists(g / "vectors.f32")) << "a reader writes nothing";
  }
  { std::ofstream(g / "vectors.f32", std::ios::binary | std::ios::trunc) << std::string(8192, 'x'); }
  {
    auto reader = lingbi::Gallery::open(g.string());
    same_hits(*reader, "a foreign vectors.f32 is ignored");
  }
  {
    auto writer = lingbi::Gallery::open(g.string(), lingbi::Gallery::Access::write);
    EXPECT_GT(fs::file_size(g / "vectors.f32"), 8192u) << "a writer writes it again from the catalog";
    same_hits(*writer, "through the rewritten file");
  }
}

}  // namespace

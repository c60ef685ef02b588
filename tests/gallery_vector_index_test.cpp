// The vector index on its own: the kind chosen from the size, IVF-PQ re-ranked with the exact
// vectors of a real catalog against exact search on clustered vectors, removal, and the atomic save.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>

#include <faiss/IndexIVF.h>
#include <faiss/index_io.h>

#include "gallery/catalog.h"
#include "gallery/vector_index.h"
#include "lingbi/util/error.h"
#include "support/temp_dir.h"

namespace {

using lingbi::gallery::VectorIndex;

// n unit vectors around `clusters` random centres, like embeddings of a photo library.
std::vector<float> clustered(int n, int dim, int clusters, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> centres(static_cast<size_t>(clusters) * dim), v(static_cast<size_t>(n) * dim);
  for (auto& c : centres) c = normal(rng);
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  for (int i = 0; i < n; ++i) {
    const int c = pick(rng);
    float norm = 0;
    for (int d = 0; d < dim; ++d) {
      float x = centres[c * dim + d] + 0.35f * normal(rng);
      v[i * dim + d] = x;
      norm += x * x;
    }
    for (int d = 0; d < dim; ++d) v[i * dim + d] /= std::sqrt(norm);
  }
  return v;
}

TEST(GalleryVectorIndex, KindFollowsSize) {
  EXPECT_EQ(VectorIndex::choose_kind(1000, 512, 200000), "Flat");
  EXPECT_EQ(VectorIndex::choose_kind(199999, 512, 200000), "Flat");
  EXPECT_EQ(VectorIndex::choose_kind(200000, 512, 200000), "IVF1024,PQ64np");
  EXPECT_EQ(VectorIndex::choose_kind(1000000, 512, 200000), "IVF2048,PQ64np");
  EXPECT_EQ(VectorIndex::choose_kind(10000000, 512, 200000), "IVF8192,PQ64np");
  EXPECT_EQ(VectorIndex::choose_kind(5000, 32, 1000), "IVF128,PQ4np");
}

TEST(GalleryVectorIndex, IndexesOfEarlierVersionsAreRebuilt) {
  EXPECT_EQ(VectorIndex::current_kind("IVF1024,PQ64np,RFlat"), "IVF1024,PQ64np");
  EXPECT_EQ(VectorIndex::current_kind("IVF1024,PQ64np"), "IVF1024,PQ64np");
  EXPECT_EQ(VectorIndex::current_kind("Flat"), "Flat");
  EXPECT_EQ(VectorIndex::training_size("Flat"), 0);
  EXPECT_EQ(VectorIndex::training_size("IVF8192,PQ64np"), 40 * 8192);
}

// n vectors stored in a real catalog, as the gallery stores them; returns their ids.
std::vector<int64_t> store(lingbi::gallery::Catalog& catalog, const std::vector<float>& vectors, int dim) {
  std::vector<int64_t> ids;
  catalog.begin();
  for (size_t i = 0; i * dim < vectors.size(); ++i) {
    lingbi::gallery::ImageRow row;
    row.hash = "h" + std::to_string(i);
    row.vector.assign(vectors.begin() + i * dim, vectors.begin() + (i + 1) * dim);
    ids.push_back(catalog.insert_image(row));
  }
  catalog.commit();
  return ids;
}

TEST(GalleryVectorIndex, TheCatalogStoresVectorsWithoutHalfEmptyPages) {
  lingbi::test::TempDir dir;
  const std::string file = (dir / "catalog.sqlite").string();
  const int n = 2000, dim = 512;
  {
    auto catalog = lingbi::gallery::Catalog::open(file, true);
    store(*catalog, clustered(n, dim, 10, 4), dim);
  }  // closing checkpoints the WAL into the file
  const double per_row = static_cast<double>(std::filesystem::file_size(file)) / n;
  EXPECT_LT(per_row, 2.5 * 1024) << "bytes per 2 KB vector";
  EXPECT_GT(per_row, 2.0 * 1024);
}

// n clustered vectors of `dim` in a real catalog, and nq queries around the same centres.
struct Stored {
  lingbi::test::TempDir dir;
  std::vector<float> base, queries;
  std::unique_ptr<lingbi::gallery::Catalog> catalog;
  std::vector<int64_t> ids;
  Stored(int n, int nq, int dim, int clusters, unsigned seed)
      : base(clustered(n, dim, clusters, seed)), queries(clustered(nq, dim, clusters, seed + 1)),
        catalog(lingbi::gallery::Catalog::open((dir / "catalog.sqlite").string(), true)),
        ids(store(*catalog, base, dim)) {}
};

TEST(GalleryVectorIndex, IvfPqRerankedFromTheCatalogAgreesWithExactSearch) {
  const int n = 5000, dim = 64, k = 10, nq = 100;
  Stored s(n, nq, dim, 50, 1);
  auto& [dir, base, queries, catalog, ids] = s;
  auto exact = VectorIndex::create(dim, "Flat");
  exact->add(ids, base);
  const std::string kind = VectorIndex::choose_kind(n, dim, 1000);
  auto ivf = VectorIndex::create(dim, kind, base);
  ivf->add(ids, base);
  ASSERT_EQ(ivf->size(), n);
  int found = 0;
  for (int q = 0; q < nq; ++q) {
    auto a = exact->search(&queries[q * dim], k, nullptr), b = ivf->search(&queries[q * dim], k, catalog.get());
    ASSERT_EQ(b.size(), static_cast<size_t>(k));
    std::set<int64_t> truth;
    for (auto& [id, s] : a) truth.insert(id);
    for (auto& [id, s] : b) found += truth.count(id);
    for (size_t i = 1; i < b.size(); ++i) EXPECT_GE(b[i - 1].second, b[i].second) << "best first";
  }
  EXPECT_GE(found, nq * k * 9 / 10) << "recall@10 of " << kind;

  // Probes and re-ranking set per call: one list and no re-ranking beyond k find less.
  int found_cheap = 0;
  for (int q = 0; q < nq; ++q) {
    std::set<int64_t> truth;
    for (auto& [id, s] : exact->search(&queries[q * dim], k, nullptr)) truth.insert(id);
    for (auto& [id, s] : ivf->search(&queries[q * dim], k, catalog.get(), 1, 1)) found_cheap += truth.count(id);
  }
  EXPECT_LT(found_cheap, found) << "nprobe 1, re-rank x1";
  int found_again = 0;
  for (int q = 0; q < nq; ++q) {
    std::set<int64_t> truth;
    for (auto& [id, s] : exact->search(&queries[q * dim], k, nullptr)) truth.insert(id);
    for (auto& [id, s] : ivf->search(&queries[q * dim], k, catalog.get())) found_again += truth.count(id);
  }
  EXPECT_EQ(found_again, found) << "a call's parameters do not outlive the call";

  // Scores are exact inner products of the catalog's vectors; the index holds codes only.
  auto hit = ivf->search(&base[7 * dim], 1, catalog.get());
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].first, ids[7]);
  EXPECT_NEAR(hit[0].second, 1.0f, 1e-5);
  EXPECT_TRUE(ivf->reconstruct(ids[7]).empty());
  EXPECT_THROW(ivf->search(&base[7 * dim], 1, nullptr), lingbi::Error);

  // A candidate the catalog no longer has is dropped, not returned with a stale score.
  catalog->delete_image(ids[7]);
  for (auto& [id, s] : ivf->search(&base[7 * dim], 5, catalog.get())) EXPECT_NE(id, ids[7]);

  // IVF-PQ removes in place and survives a save and load.
  ivf->remove({ids[7], ids[8], ids[9]});
  EXPECT_EQ(ivf->size(), n - 3);
  auto left = ivf->ids();
  EXPECT_EQ(left.size(), static_cast<size_t>(n - 3));
  EXPECT_EQ(std::count(left.begin(), left.end(), ids[8]), 0);
  for (auto& [id, s] : ivf->search(&base[8 * dim], 5, catalog.get())) EXPECT_NE(id, ids[8]);
  const std::string file = (dir / "vectors.faiss").string();
  ivf->save(file);
  auto loaded = VectorIndex::load(file, kind);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->ids(), left);
  EXPECT_EQ(loaded->search(&queries[0], k, catalog.get()), ivf->search(&queries[0], k, catalog.get()));
  EXPECT_FALSE(VectorIndex::load(file, "Flat")) << "an index of another kind is rebuilt, not trusted";
}

// The lists a query probes are chosen by lingbi (centre_scores over the list centres), not by
// FAISS's own single-query search: the results must be what FAISS's search gives, re-ranked.
TEST(GalleryVectorIndex, IvfPqShortListIsFaissOwn) {
  const int n = 6000, dim = 64, k = 10, nq = 50;
  Stored s(n, nq, dim, 60, 5);
  auto& [dir, base, queries, catalog, ids] = s;
  const std::string kind = VectorIndex::choose_kind(n, dim, 1000);
  auto ivf = VectorIndex::create(dim, kind, base);
  ivf->add(ids, base);
  const std::string file = (dir / "vectors.faiss").string();
  ivf->save(file);
  std::unique_ptr<faiss::Index> plain(faiss::read_index(file.c_str()));
  for (const int nprobe : {1, 3, ivf->nprobe()}) {
    auto& lists = dynamic_cast<faiss::IndexIVF&>(*plain);
    lists.nprobe = nprobe;
    const int shortlist = k * ivf->k_factor();
    for (int q = 0; q < nq; ++q) {
      const float* x = &queries[q * dim];
      std::vector<float> dist(shortlist);
      std::vector<faiss::Index::idx_t> label(shortlist);
      plain->search(1, x, shortlist, dist.data(), label.data());
      std::vector<std::pair<int64_t, float>> expected;
      for (auto id : label) {
        if (id < 0) continue;
        const auto row = std::find(ids.begin(), ids.end(), id) - ids.begin();
        float dot = 0;
        for (int d = 0; d < dim; ++d) dot += x[d] * base[row * dim + d];
        expected.emplace_back(id, dot);
      }
      std::sort(expected.begin(), expected.end(),
                [](auto& a, auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
      expected.resize(std::min<size_t>(k, expected.size()));
      const auto found = ivf->search(x, k, catalog.get(), nprobe);
      ASSERT_EQ(found.size(), expected.size()) << "query " << q << ", " << nprobe << " probes";
      for (size_t i = 0; i < found.size(); ++i) {
        EXPECT_EQ(found[i].first, expected[i].first) << "query " << q << ", " << nprobe << " probes, rank " << i;
        EXPECT_NEAR(found[i].second, expected[i].second, 1e-5);
      }
    }
  }
}

TEST(GalleryVectorIndex, FlatRemovesAndSavesAtomically) {
  lingbi::test::TempDir dir;
  const int dim = 16, n = 200;
  auto base = clustered(n, dim, 5, 3);
  std::vector<int64_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 100 + i;
  auto index = VectorIndex::create(dim, "Flat");
  index->add(ids, base);
  index->remove({100, 150, 299});
  EXPECT_EQ(index->size(), n - 3);
  auto left = index->ids();
  EXPECT_EQ(std::count(left.begin(), left.end(), 150), 0);
  const std::string file = (dir / "vectors.faiss").string();
  index->save(file);
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
  auto loaded = VectorIndex::load(file, "Flat");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->ids(), index->ids());
  EXPECT_EQ(loaded->reconstruct(101), index->reconstruct(101));
  // A damaged file is not trusted: load says so and the gallery rebuilds from its catalog.
  { std::ofstream(file, std::ios::binary | std::ios::trunc) << "garbage"; }
  EXPECT_FALSE(VectorIndex::load(file, "Flat"));
  EXPECT_FALSE(VectorIndex::load((dir / "missing.faiss").string(), "Flat"));
  // An ID-mapped index (Flat, or the IVF-PQ + full copy of earlier versions) is not an IVF kind.
  index->save(file);
  EXPECT_FALSE(VectorIndex::load(file, "IVF16,PQ4np"));
}

}  // namespace

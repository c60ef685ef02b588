// FAISS links (static, with BLAS, LAPACK and OpenMP) and an index survives a save and load.
#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/index_io.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "support/temp_dir.h"

namespace {

using idx_t = faiss::Index::idx_t;

std::vector<float> random_unit_vectors(int n, int dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<size_t>(n) * dim);
  for (int i = 0; i < n; ++i) {
    float norm = 0;
    for (int j = 0; j < dim; ++j) norm += (v[i * dim + j] = normal(rng)) * v[i * dim + j];
    norm = std::sqrt(norm);
    for (int j = 0; j < dim; ++j) v[i * dim + j] /= norm;
  }
  return v;
}

TEST(StackFaiss, FlatInnerProductRoundTrip) {
  const int dim = 64, n = 500, k = 5;
  lingbi::test::TempDir dir;
  auto base = random_unit_vectors(n, dim, 1);
  std::vector<idx_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 1000 + i;  // ids the catalog would assign, not positions

  faiss::IndexIDMap index(new faiss::IndexFlatIP(dim));
  index.own_fields = true;
  index.add_with_ids(n, base.data(), ids.data());
  ASSERT_EQ(index.ntotal, n);

  // Query with stored vectors: each must find itself first with score 1.
  const int nq = 10;
  std::vector<float> dist(nq * k);
  std::vector<idx_t> found(nq * k);
  index.search(nq, base.data(), k, dist.data(), found.data());
  for (int q = 0; q < nq; ++q) {
    EXPECT_EQ(found[q * k], 1000 + q);
    EXPECT_NEAR(dist[q * k], 1.0f, 1e-5);
  }

  const std::string file = (dir / "vectors.faiss").string();
  faiss::write_index(&index, file.c_str());
  std::unique_ptr<faiss::Index> loaded(faiss::read_index(file.c_str()));
  ASSERT_EQ(loaded->ntotal, n);
  ASSERT_EQ(loaded->d, dim);

  auto queries = random_unit_vectors(nq, dim, 2);
  std::vector<float> d1(nq * k), d2(nq * k);
  std::vector<idx_t> i1(nq * k), i2(nq * k);
  index.search(nq, queries.data(), k, d1.data(), i1.data());
  loaded->search(nq, queries.data(), k, d2.data(), i2.data());
  EXPECT_EQ(i1, i2);
  EXPECT_EQ(d1, d2);
  for (idx_t id : i2) EXPECT_GE(id, 1000);
}

}  // namespace

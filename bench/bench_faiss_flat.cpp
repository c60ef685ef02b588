// Exact inner-product search on FAISS's flat index: the baseline every gallery index is measured
// against. Reports queries per second for one query and for a batch of 64, at 512 dimensions.
#include <benchmark/benchmark.h>
#include <faiss/IndexFlat.h>

#include <random>
#include <vector>

namespace {

std::vector<float> random_vectors(size_t n, int dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n * dim);
  for (float& x : v) x = normal(rng);
  return v;
}

void BM_FlatIP(benchmark::State& state) {
  const int dim = 512, k = 10;
  const size_t n = state.range(0);
  const int nq = static_cast<int>(state.range(1));
  faiss::IndexFlatIP index(dim);
  auto base = random_vectors(n, dim, 1);
  index.add(n, base.data());
  auto queries = random_vectors(nq, dim, 2);
  std::vector<float> dist(static_cast<size_t>(nq) * k);
  std::vector<faiss::Index::idx_t> ids(static_cast<size_t>(nq) * k);
  for (auto _ : state) {
    index.search(nq, queries.data(), k, dist.data(), ids.data());
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetItemsProcessed(state.iterations() * nq);
}
BENCHMARK(BM_FlatIP)->Args({100000, 1})->Args({100000, 64})->Unit(benchmark::kMillisecond);

}  // namespace

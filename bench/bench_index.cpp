// The gallery's vector index on synthetic clustered 512-d vectors: build time, index memory,
// single-query latency (p50, p99) on 1 and 2 threads and recall@10 against exact search, for the
// exact Flat kind and the IVF-PQ kind with exact re-ranking that the gallery switches to past 200k,
// side by side in one run.
//
//   LINGBI_BENCH_N=1000000 OMP_WAIT_POLICY=passive build/bin/bench_index   # default N: 200000
// At 10M (LINGBI_BENCH_N=10000000) the base vectors alone are 20 GB and the re-ranking copy 20 GB more.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gallery/vector_index.h"

namespace {

using lingbi::VectorIndex;
using Clock = std::chrono::steady_clock;
constexpr int kDim = 512, kK = 10, kQueries = 300;

int64_t bench_n() {
  const char* n = std::getenv("LINGBI_BENCH_N");
  return n ? std::atoll(n) : 200000;
}

// Like CLIP embeddings of a photo library: a few thousand topics (cluster centres), each picture
// near one of them (cosine to its centre about 0.75), all on the unit sphere.
std::vector<float> clustered(int64_t n, int clusters, unsigned seed, unsigned centre_seed = 7) {
  std::mt19937 crng(centre_seed), rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> centres(static_cast<size_t>(clusters) * kDim);
  for (auto& c : centres) c = normal(crng) / std::sqrt(float(kDim));
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  std::vector<float> v(static_cast<size_t>(n) * kDim);
  for (int64_t i = 0; i < n; ++i) {
    const float* c = &centres[static_cast<size_t>(pick(rng)) * kDim];
    float* x = &v[static_cast<size_t>(i) * kDim];
    float norm = 0;
    for (int d = 0; d < kDim; ++d) norm += (x[d] = c[d] + 0.7f * normal(rng) / std::sqrt(float(kDim))) * x[d];
    for (int d = 0; d < kDim; ++d) x[d] /= std::sqrt(norm);
  }
  return v;
}

double rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * 4096.0;
}

struct Built {
  std::unique_ptr<VectorIndex> index;
  double build_s = 0;
  double bytes = 0;
};

struct Data {
  std::vector<float> base, queries;
  std::vector<int64_t> ids;
  std::vector<std::set<int64_t>> truth;
  std::map<std::string, Built> built;
};

Data& data() {
  static Data d = [] {
    Data d;
    const int64_t n = bench_n();
    const int clusters = static_cast<int>(std::max<int64_t>(100, n / 250));
    d.base = clustered(n, clusters, 1);
    d.queries = clustered(kQueries, clusters, 2);
    d.ids.resize(n);
    for (int64_t i = 0; i < n; ++i) d.ids[i] = i + 1;
    return d;
  }();
  return d;
}

Built& built(const std::string& which) {
  Data& d = data();
  auto it = d.built.find(which);
  if (it != d.built.end()) return it->second;
  const int64_t n = static_cast<int64_t>(d.ids.size());
  const std::string kind = which == "Flat" ? "Flat" : VectorIndex::choose_kind(n, kDim, 1);
  omp_set_num_threads(2);
  const double rss_before = rss_bytes();
  const auto t0 = Clock::now();
  std::vector<float> training;
  if (kind != "Flat") training.assign(d.base.begin(), d.base.begin() + std::min<int64_t>(n, 200000) * kDim);
  Built b;
  b.index = VectorIndex::create(kDim, kind, training);
  b.index->add(d.ids, d.base);
  b.build_s = std::chrono::duration<double>(Clock::now() - t0).count();
  training.clear();
  training.shrink_to_fit();
  b.bytes = rss_bytes() - rss_before;  // what building the index added to the process
  if (d.truth.empty() && kind == "Flat") {  // exact neighbours, all queries in one BLAS call
    auto all = b.index->search_batch(d.queries.data(), kQueries, kK);
    for (int q = 0; q < kQueries; ++q) d.truth.emplace_back(all[q].begin(), all[q].end());
  }
  return d.built.emplace(which, std::move(b)).first->second;
}

void BM_Search(benchmark::State& state, const std::string& which) {
  built("Flat");  // ground truth first
  Built& b = built(which);
  Data& d = data();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  if (state.range(1) > 0) b.index->set_search_params(static_cast<int>(state.range(1)), static_cast<float>(state.range(2)));
  std::vector<double> ms;
  int hits = 0, total = 0;
  for (auto _ : state) {
    ms.clear();
    hits = total = 0;
    const int nq = which == "Flat" ? 50 : kQueries;  // exact scans are slow at 1M; 50 suffice
    for (int q = 0; q < nq; ++q) {
      const auto t0 = Clock::now();
      auto found = b.index->search(&d.queries[static_cast<size_t>(q) * kDim], kK);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      for (auto& [id, s] : found) hits += static_cast<int>(d.truth[q].count(id));
      total += kK;
    }
  }
  std::sort(ms.begin(), ms.end());
  state.counters["N"] = static_cast<double>(d.ids.size());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[ms.size() * 99 / 100];
  state.counters["recall10"] = static_cast<double>(hits) / total;
  state.counters["build_s"] = b.build_s;
  state.counters["index_MB"] = b.bytes / (1 << 20);
  state.SetLabel(b.index->kind() + (state.range(1) > 0 ? " nprobe " + std::to_string(state.range(1)) +
                                                            " k_factor " + std::to_string(state.range(2))
                                                      : " (gallery defaults)"));
}

// Args: threads, nprobe (0: the gallery's defaults), re-ranking factor.
BENCHMARK_CAPTURE(BM_Search, flat, std::string("Flat"))->Args({1, 0, 0})->Args({2, 0, 0})->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Search, ivfpq_refine, std::string("IVF"))
    ->Args({1, 0, 0})->Args({2, 0, 0})
    ->Args({1, 16, 8})->Args({1, 16, 32})->Args({1, 64, 32})->Args({1, 128, 64})
    ->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

// The gallery's vector index on synthetic clustered 512-d vectors stored in a real catalog: build
// time and peak memory of `Gallery` building its index, the index's memory once loaded,
// single-query latency (p50, p99) on 1 and 2 threads and recall@10 against exact search, for the
// IVF-PQ kind the gallery uses past 200k (its short list re-ranked with exact vectors read from
// disk) and, up to 1M, the exact Flat kind, side by side in one run; re-ranking reads from
// vectors.f32 as the gallery does, and once from the catalog for comparison. The exact search over the whole catalog
// (BLAS, all queries at once) gives the ground truth and the baseline cost.
//
//   LINGBI_BENCH_N=1000000 OMP_WAIT_POLICY=passive build/bin/bench_index          (default N: 200000)
//   bench/with_memory_limit 2G env LINGBI_BENCH_N=10000000 LINGBI_BENCH_DROP_CACHES=1 OMP_WAIT_POLICY=passive build/bin/bench_index
// (the second: within 2 GB, page cache included, and the page cache emptied before each measurement)
// The catalog (about 2.3 KB per vector: 23 GB at 10M), vectors.f32 (20 GB at 10M), the index and
// the ground truth are kept in LINGBI_BENCH_DIR (default /tmp/lingbi-bench-index-N) and reused by
// the next run; the vectors are generated in chunks and streamed, never all in memory.
// LINGBI_BENCH_FLAT=0 skips the Flat kind (it holds every vector in memory: 2 GB per million).
#include <benchmark/benchmark.h>
#include <faiss/IndexFlat.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gallery/catalog.h"
#include "gallery/vector_file.h"
#include "gallery/vector_index.h"
#include "lingbi/gallery.h"

namespace {

namespace fs = std::filesystem;
using lingbi::VectorIndex;
using Clock = std::chrono::steady_clock;
constexpr int kDim = 512, kK = 10, kQueries = 1000, kWarmup = 20, kChunk = 65536;

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoll(v) : fallback;
}
int64_t bench_n() { return env_int("LINGBI_BENCH_N", 200000); }
fs::path bench_dir() {
  const char* d = std::getenv("LINGBI_BENCH_DIR");
  return d ? fs::path(d) : fs::temp_directory_path() / ("lingbi-bench-index-" + std::to_string(bench_n()));
}
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Like CLIP embeddings of a photo library: topics (cluster centres, one per 250 pictures), each
// picture near one of them (cosine to its centre about 0.75), all on the unit sphere. Vectors
// [first, first + count) of stream `seed`, the same whichever chunk asks.
struct Generator {
  std::vector<float> centres;
  int clusters;
  explicit Generator(int64_t n) : clusters(static_cast<int>(std::max<int64_t>(100, n / 250))) {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    centres.resize(static_cast<size_t>(clusters) * kDim);
    for (auto& c : centres) c = normal(rng) / std::sqrt(float(kDim));
  }
  void fill(unsigned seed, int64_t first, int64_t count, float* out) const {
    std::mt19937_64 rng(seed * 1000003ull + static_cast<uint64_t>(first));
    std::normal_distribution<float> normal;
    std::uniform_int_distribution<int> pick(0, clusters - 1);
    for (int64_t i = 0; i < count; ++i) {
      const float* c = &centres[static_cast<size_t>(pick(rng)) * kDim];
      float* x = out + static_cast<size_t>(i) * kDim;
      float norm = 0;
      for (int d = 0; d < kDim; ++d) {
        x[d] = c[d] + 0.7f * normal(rng) / std::sqrt(float(kDim));
        norm += x[d] * x[d];
      }
      for (int d = 0; d < kDim; ++d) x[d] /= std::sqrt(norm);
    }
  }
};

long status_kb(const char* field) {  // VmRSS, VmHWM, ... of this process, in kB
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field) + 1);
  return 0;
}

// The catalog of N synthetic pictures, written once (two threads generate, SQLite stores).
void prepare_catalog(const fs::path& dir, int64_t n, const Generator& gen) {
  const fs::path g = dir / "gallery";
  if (fs::exists(dir / "catalog.done")) return;
  fs::remove_all(dir);
  fs::create_directories(g);
  const auto t0 = Clock::now();
  auto catalog = lingbi::Catalog::open((g / "catalog.sqlite").string(), true);
  catalog->set_meta("format", "1");
  catalog->set_meta("model_name", "synthetic clustered 512-d");
  catalog->set_meta("model_hash", "synthetic");
  catalog->set_meta("dim", std::to_string(kDim));
  std::vector<float> chunk(static_cast<size_t>(kChunk) * kDim);
  lingbi::ImageRow row;
  row.width = row.height = 1;
  for (int64_t first = 0; first < n; first += kChunk) {
    const int64_t count = std::min<int64_t>(kChunk, n - first), half = count / 2;
    std::thread other([&] { gen.fill(1, first, half, chunk.data()); });
    gen.fill(1, first + half, count - half, chunk.data() + half * kDim);
    other.join();
    catalog->begin();
    for (int64_t i = 0; i < count; ++i) {
      row.hash = "synthetic-" + std::to_string(first + i);
      row.vector.assign(chunk.begin() + i * kDim, chunk.begin() + (i + 1) * kDim);
      catalog->insert_image(row);
    }
    catalog->commit();
    std::fprintf(stderr, "\rcatalog: %lld / %lld", static_cast<long long>(first + count), static_cast<long long>(n));
  }
  std::fprintf(stderr, "\ncatalog of %lld vectors written in %.0f s\n", static_cast<long long>(n), seconds_since(t0));
  std::ofstream(dir / "catalog.done") << n << "\n";
}

struct Truth {
  std::vector<std::set<int64_t>> ids;
  double exact_s = 0;  // the exact scan of every vector for all queries at once
};

// Exact top-10 of every query over the whole catalog, streamed in chunks through FAISS's BLAS search.
Truth exact_truth(const fs::path& dir, const std::vector<float>& queries) {
  Truth t;
  const fs::path file = dir / "truth.txt";
  if (std::ifstream in(file); in) {
    in >> t.exact_s;
    t.ids.resize(kQueries);
    for (auto& s : t.ids)
      for (int i = 0; i < kK; ++i) {
        int64_t id;
        in >> id;
        s.insert(id);
      }
    if (in) return t;
  }
  omp_set_num_threads(2);
  const auto t0 = Clock::now();
  auto catalog = lingbi::Catalog::open((dir / "gallery" / "catalog.sqlite").string(), false);
  std::vector<std::vector<std::pair<float, int64_t>>> best(kQueries);
  catalog->for_each_vector_chunk(kChunk, [&](const std::vector<int64_t>& chunk_ids, const std::vector<float>& chunk) {
    faiss::IndexFlatIP flat(kDim);
    flat.add(static_cast<faiss::Index::idx_t>(chunk_ids.size()), chunk.data());
    std::vector<float> dist(static_cast<size_t>(kQueries) * kK);
    std::vector<faiss::Index::idx_t> label(static_cast<size_t>(kQueries) * kK);
    flat.search(kQueries, queries.data(), kK, dist.data(), label.data());
    for (int q = 0; q < kQueries; ++q) {
      for (int i = 0; i < kK; ++i)
        if (label[q * kK + i] >= 0) best[q].emplace_back(dist[q * kK + i], chunk_ids[label[q * kK + i]]);
      std::sort(best[q].begin(), best[q].end(), [](auto& a, auto& b) { return a.first > b.first; });
      best[q].resize(std::min<size_t>(kK, best[q].size()));
    }
  });
  t.exact_s = seconds_since(t0);
  std::ofstream out(file);
  out << t.exact_s << "\n";
  for (auto& b : best) {
    t.ids.emplace_back();
    for (auto& [s, id] : b) {
      t.ids.back().insert(id);
      out << id << " ";
    }
    out << "\n";
  }
  return t;
}

struct BuildFigures {
  double seconds = 0, peak_mb = 0;
  std::string kind;
};

// Builds the gallery's index the way `lingbi gallery optimize` does, in a fresh process (this
// program again, told so by LINGBI_BENCH_BUILD_CHILD) so that its peak memory is its own; kept in
// the bench folder for later runs. (fork alone would hang: OpenMP's threads do not survive it.)
// Opened for writing, a gallery whose index exists but lacks vectors.f32 writes that file.
void build_child(const fs::path& dir) {
  omp_set_num_threads(2);
  const bool had_index = fs::exists(dir / "gallery" / "vectors.faiss");
  const auto t0 = Clock::now();
  auto g = lingbi::Gallery::open((dir / "gallery").string(), lingbi::Gallery::Access::write);  // builds and saves
  const double s = seconds_since(t0);
  std::ofstream(dir / (had_index ? "vector_file.txt" : "build.txt"))
      << s << " " << status_kb("VmHWM") / 1024.0 << " " << g->info().index << "\n";
  std::_Exit(0);
}

BuildFigures build_index(const fs::path& dir, const std::string& kind) {
  BuildFigures b;
  const fs::path file = dir / "build.txt";
  std::ifstream cached(file);
  const bool built = cached >> b.seconds >> b.peak_mb >> b.kind && b.kind == kind;
  if (built && fs::exists(dir / "gallery" / "vectors.f32")) return b;
  if (!built) {
    fs::remove(dir / "gallery" / "vectors.faiss");
    auto catalog = lingbi::Catalog::open((dir / "gallery" / "catalog.sqlite").string(), false);
    catalog->set_meta("index_kind", kind);
  }
  const std::string command = "LINGBI_BENCH_BUILD_CHILD=1 /proc/" + std::to_string(::getpid()) + "/exe";
  const int status = std::system(command.c_str());
  std::ifstream in(file);
  if (status != 0 || !(in >> b.seconds >> b.peak_mb >> b.kind)) {
    std::fprintf(stderr, "building the index failed (status %d)\n", status);
    std::exit(1);
  }
  return b;
}

struct Setup {
  fs::path dir = bench_dir();
  int64_t n = bench_n();
  std::vector<float> queries, warmup;
  Truth truth;
  std::string kind = VectorIndex::choose_kind(n, kDim, 1);
  BuildFigures build;
  std::unique_ptr<lingbi::Catalog> catalog;
  std::unique_ptr<lingbi::VectorFile> vector_file;
  std::unique_ptr<VectorIndex> ivf, flat;
  double ivf_mb = 0, flat_mb = 0, flat_build_s = 0;

  Setup() {
    if (std::getenv("LINGBI_BENCH_BUILD_CHILD")) build_child(dir);
    Generator gen(n);
    prepare_catalog(dir, n, gen);
    queries.resize(static_cast<size_t>(kQueries) * kDim);
    gen.fill(2, 0, kQueries, queries.data());
    warmup.resize(static_cast<size_t>(kWarmup) * kDim);
    gen.fill(3, 0, kWarmup, warmup.data());
    truth = exact_truth(dir, queries);
    build = build_index(dir, kind);
    const long before = status_kb("VmRSS");
    ivf = VectorIndex::load((dir / "gallery" / "vectors.faiss").string(), kind);
    ivf_mb = (status_kb("VmRSS") - before) / 1024.0;
    if (!ivf) {
      std::fprintf(stderr, "cannot load the built index\n");
      std::exit(1);
    }
    catalog = lingbi::Catalog::open((dir / "gallery" / "catalog.sqlite").string(), false);
    vector_file = lingbi::VectorFile::open((dir / "gallery" / "vectors.f32").string(), kDim,
                                           catalog->meta("vector_file_token"), *catalog, false);
    if (!vector_file) {
      std::fprintf(stderr, "no usable vectors.f32 in %s\n", (dir / "gallery").c_str());
      std::exit(1);
    }
  }

  VectorIndex& flat_index() {
    if (!flat) {
      omp_set_num_threads(2);
      const long before = status_kb("VmRSS");
      const auto t0 = Clock::now();
      flat = VectorIndex::create(kDim, "Flat");
      catalog->for_each_vector_chunk(kChunk, [&](const auto& ids, const auto& vectors) { flat->add(ids, vectors); });
      flat_build_s = seconds_since(t0);
      flat_mb = (status_kb("VmRSS") - before) / 1024.0;
    }
    return *flat;
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// With LINGBI_BENCH_DROP_CACHES=1 (root) the kernel's page cache is emptied before each
// measurement, so that re-ranking reads come from the disk: the cold case.
void drop_caches() {
  if (env_int("LINGBI_BENCH_DROP_CACHES", 0) == 0) return;
  ::sync();
  std::ofstream("/proc/sys/vm/drop_caches") << "1\n";
}

void measure(benchmark::State& state, VectorIndex& index, const lingbi::ExactVectors* exact, int nq) {
  Setup& s = setup();
  drop_caches();
  // A few queries of another stream first, as a running server has its code paged in; their
  // short lists are other rows, so the measured queries still read theirs from the disk.
  for (int q = 0; q < kWarmup; ++q) index.search(&s.warmup[static_cast<size_t>(q) * kDim], kK, exact);
  std::vector<double> ms;
  int hits = 0;
  for (auto _ : state) {
    ms.clear();
    hits = 0;
    for (int q = 0; q < nq; ++q) {
      const auto t0 = Clock::now();
      auto found = index.search(&s.queries[static_cast<size_t>(q) * kDim], kK, exact);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      for (auto& [id, score] : found) hits += static_cast<int>(s.truth.ids[q].count(id));
    }
  }
  std::sort(ms.begin(), ms.end());
  state.counters["N"] = static_cast<double>(s.n);
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[ms.size() * 99 / 100];
  state.counters["recall10"] = static_cast<double>(hits) / (nq * kK);
  state.counters["exact_scan_ms_per_query"] = s.truth.exact_s * 1000 / kQueries;
  state.counters["process_MB"] = status_kb("VmRSS") / 1024.0;
}

// Args: threads, nprobe and re-ranking factor (0, 0: the gallery's defaults), and where re-ranking
// reads the exact vectors: 0 vectors.f32 (what the gallery does), 1 the catalog (SQLite).
void BM_IvfPq(benchmark::State& state) {
  Setup& s = setup();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  const int nprobe = s.ivf->nprobe(), k_factor = s.ivf->k_factor();
  if (state.range(1) > 0) s.ivf->set_search_params(static_cast<int>(state.range(1)), static_cast<int>(state.range(2)));
  const bool from_catalog = state.range(3) == 1;
  measure(state, *s.ivf, from_catalog ? static_cast<const lingbi::ExactVectors*>(s.catalog.get()) : s.vector_file.get(),
          kQueries);
  state.counters["build_s"] = s.build.seconds;
  state.counters["build_peak_MB"] = s.build.peak_mb;
  state.counters["index_MB"] = s.ivf_mb;
  state.SetLabel(s.kind + " nprobe " + std::to_string(s.ivf->nprobe()) + " rerank x" +
                 std::to_string(s.ivf->k_factor()) +
                 (from_catalog ? " from catalog.sqlite" : " from vectors.f32") +
                 (state.range(1) > 0 ? "" : " (gallery defaults)"));
  s.ivf->set_search_params(nprobe, k_factor);
}

void BM_Flat(benchmark::State& state) {
  Setup& s = setup();
  if (env_int("LINGBI_BENCH_FLAT", s.n <= 1000000) == 0) {
    state.SkipWithError("Flat skipped (LINGBI_BENCH_FLAT=0, the default above 1M: 2 GB per million)");
    for (auto _ : state) {
    }
    return;
  }
  VectorIndex& flat = s.flat_index();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  measure(state, flat, nullptr, std::min(kQueries, 100));  // exact scans are slow; 100 suffice
  state.counters["build_s"] = s.flat_build_s;
  state.counters["index_MB"] = s.flat_mb;
  state.SetLabel("Flat (exact)");
}

BENCHMARK(BM_IvfPq)
    ->Args({1, 0, 0, 0})->Args({2, 0, 0, 0})->Args({1, 0, 0, 1})
    ->Args({1, 16, 8, 0})->Args({1, 16, 16, 0})->Args({1, 32, 16, 0})->Args({1, 32, 24, 0})->Args({1, 32, 32, 0})
    ->Args({1, 64, 64, 0})
    ->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Flat)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

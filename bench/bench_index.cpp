// The gallery's search on synthetic clustered 512-d vectors stored in a real catalog: build time
// and peak memory of `Gallery` building its index, the index's memory once loaded, single-query
// latency (p50, p99) on 1 and 2 threads and recall@10 against exact search. Measured is the path
// users run: Gallery::search with default SearchOptions (duplicate filter on, the hits' paths and
// descriptions from cards.bin) on the IVF-PQ kind the gallery uses past 200k, its short list
// re-ranked with exact vectors from vectors.f32; beside it the bare VectorIndex (re-ranking from
// vectors.f32, and once from the catalog) and, up to 1M, the exact Flat kind, in one run. The
// exact search over the whole catalog (BLAS, all queries at once) gives the ground truth.
//
//   LINGBI_BENCH_N=1000000 OMP_WAIT_POLICY=passive build/bin/bench_index          (default N: 200000)
//   bench/with_memory_limit 2G env LINGBI_BENCH_N=10000000 LINGBI_BENCH_DROP_CACHES=1 OMP_WAIT_POLICY=passive build/bin/bench_index
// (the second: within 2 GB, page cache included, and the page cache emptied before each measurement)
// The catalog (about 2.3 KB per vector: 23 GB at 10M), vectors.f32 (20 GB at 10M), cards.bin
// (5 GB at 10M), the index and the ground truth are kept in LINGBI_BENCH_DIR (default /tmp/lingbi-bench-index-N) and reused by
// the next run; the vectors are generated in chunks and streamed, never all in memory.
// LINGBI_BENCH_FLAT=0 skips the Flat kind (it holds every vector in memory: 2 GB per million).
// BM_FaissIvfPq is the bare index's baseline in the same run: FAISS's own search (which picks the
// lists to probe itself) and the short list read one row at a time, as lingbi searched until
// 2026-12-02. LINGBI_BENCH_QUERY_SEED picks another query stream (LINGBI_BENCH_RECALL=0: no recall).
#include <benchmark/benchmark.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVF.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>
#include <malloc.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
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
#include "lingbi/gallery/gallery.h"

namespace {

namespace fs = std::filesystem;
using lingbi::gallery::VectorIndex;
using Clock = std::chrono::steady_clock;
constexpr int kDim = 512, kK = 10, kQueries = 1000, kWarmup = 20, kChunk = 65536;
constexpr unsigned kQuerySeed = 2;

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
  auto catalog = lingbi::gallery::Catalog::open((g / "catalog.sqlite").string(), true);
  catalog->set_meta("format", "1");
  catalog->set_meta("model_name", "synthetic clustered 512-d");
  catalog->set_meta("model_hash", "synthetic");
  catalog->set_meta("dim", std::to_string(kDim));
  std::vector<float> chunk(static_cast<size_t>(kChunk) * kDim);
  lingbi::gallery::ImageRow row;
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
      const int64_t id = catalog->insert_image(row);
      catalog->upsert_path({"/photos/" + std::to_string(id) + ".jpg", 1, 1, id});
    }
    catalog->commit();
    std::fprintf(stderr, "\rcatalog: %lld / %lld", static_cast<long long>(first + count), static_cast<long long>(n));
  }
  std::fprintf(stderr, "\ncatalog of %lld vectors written in %.0f s\n", static_cast<long long>(n), seconds_since(t0));
  std::ofstream(dir / "catalog.done") << n << "\n";
}

// Gallery::search returns only pictures with a path: catalogs written by an earlier bench had none.
// Paths are not images, so the catalog's generation (and the index saved at it) stays current.
void ensure_paths(const fs::path& dir) {
  auto catalog = lingbi::gallery::Catalog::open((dir / "gallery" / "catalog.sqlite").string(), false);
  if (catalog->count("paths") >= catalog->count("images")) return;
  const auto ids = catalog->image_ids();
  catalog->begin();
  for (int64_t id : ids) catalog->upsert_path({"/photos/" + std::to_string(id) + ".jpg", 1, 1, id});
  catalog->commit();
}

struct Truth {
  std::vector<std::set<int64_t>> ids;
  double exact_s = 0;  // the exact scan of every vector for all queries at once
};

// Exact top-10 of every query over the whole catalog, streamed in chunks through FAISS's BLAS search.
Truth exact_truth(const fs::path& dir, const std::vector<float>& queries, unsigned seed) {
  Truth t;
  const fs::path file = dir / (seed == kQuerySeed ? std::string("truth.txt") : "truth-" + std::to_string(seed) + ".txt");
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
  auto catalog = lingbi::gallery::Catalog::open((dir / "gallery" / "catalog.sqlite").string(), false);
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
// Opened for writing, a gallery whose index exists but lacks vectors.f32 or cards.bin writes them.
void build_child(const fs::path& dir) {
  omp_set_num_threads(2);
  const bool had_index = fs::exists(dir / "gallery" / "vectors.faiss");
  const auto t0 = Clock::now();
  auto g = lingbi::Gallery::open((dir / "gallery").string(), lingbi::Gallery::Access::write);  // builds and saves
  const double s = seconds_since(t0);
  std::ofstream(dir / (had_index ? "vector_file.txt" : "build.txt"))
      << s << " " << status_kb("VmHWM") / 1024.0 << " " << g->info().index << "\n";
  if (had_index) std::fprintf(stderr, "opened for writing in %.0f s (files it lacked written)\n", s);
  std::_Exit(0);
}

BuildFigures build_index(const fs::path& dir, const std::string& kind) {
  BuildFigures b;
  const fs::path file = dir / "build.txt";
  std::ifstream cached(file);
  const bool built = cached >> b.seconds >> b.peak_mb >> b.kind && b.kind == kind;
  if (built && fs::exists(dir / "gallery" / "vectors.f32") && fs::exists(dir / "gallery" / "cards.bin")) return b;
  if (!built) {
    fs::remove(dir / "gallery" / "vectors.faiss");
    auto catalog = lingbi::gallery::Catalog::open((dir / "gallery" / "catalog.sqlite").string(), false);
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
  // Another stream of queries (LINGBI_BENCH_QUERY_SEED) reads rows no cache has seen, the host's
  // included (a VM's disk is a file its host caches); LINGBI_BENCH_RECALL=0 skips its exact scan.
  unsigned query_seed = static_cast<unsigned>(env_int("LINGBI_BENCH_QUERY_SEED", kQuerySeed));
  std::vector<float> queries, warmup;
  Truth truth;
  std::string kind = VectorIndex::choose_kind(n, kDim, 1);
  BuildFigures build;
  std::unique_ptr<lingbi::gallery::Catalog> catalog;
  std::unique_ptr<lingbi::gallery::VectorFile> vector_file;
  std::unique_ptr<VectorIndex> ivf, flat;
  std::unique_ptr<faiss::Index> faiss_ivf;
  std::unique_ptr<lingbi::Gallery> gallery;
  double ivf_mb = 0, gallery_mb = 0, flat_mb = 0, flat_build_s = 0;

  Setup() {
    if (std::getenv("LINGBI_BENCH_BUILD_CHILD")) build_child(dir);
    Generator gen(n);
    prepare_catalog(dir, n, gen);
    queries.resize(static_cast<size_t>(kQueries) * kDim);
    gen.fill(query_seed, 0, kQueries, queries.data());
    warmup.resize(static_cast<size_t>(kWarmup) * kDim);
    gen.fill(3, 0, kWarmup, warmup.data());
    if (env_int("LINGBI_BENCH_RECALL", 1) != 0) truth = exact_truth(dir, queries, query_seed);
    build = build_index(dir, kind);
    ensure_paths(dir);
    catalog = lingbi::gallery::Catalog::open_read_only((dir / "gallery" / "catalog.sqlite").string());
  }

  // The gallery as `lingbi search` and compose open it (for reading). Only one of it and the bare
  // index is held at a time: at 10M each holds 700 MB of codes.
  lingbi::Gallery& opened_gallery() {
    if (!gallery) {
      faiss_ivf.reset();
      ivf.reset();
      vector_file.reset();
      malloc_trim(0);  // so that what the other held does not hide what this one takes
      const long before = status_kb("VmRSS");
      gallery = lingbi::Gallery::open((dir / "gallery").string());
      gallery_mb = (status_kb("VmRSS") - before) / 1024.0;
      if (gallery->info().index != kind) {
        std::fprintf(stderr, "the gallery's index is %s, not %s\n", gallery->info().index.c_str(), kind.c_str());
        std::exit(1);
      }
    }
    return *gallery;
  }

  // FAISS's own IVF-PQ index as read from the gallery's file (no lingbi class around it).
  faiss::Index& faiss_index() {
    if (!faiss_ivf) {
      gallery.reset();
      ivf.reset();
      malloc_trim(0);
      faiss_ivf.reset(faiss::read_index((dir / "gallery" / "vectors.faiss").c_str()));
      vector_file = lingbi::gallery::VectorFile::open((dir / "gallery" / "vectors.f32").string(), kDim,
                                                      catalog->meta("vector_file_token"), *catalog, false);
      if (!vector_file) {
        std::fprintf(stderr, "cannot open vectors.f32 in %s\n", (dir / "gallery").c_str());
        std::exit(1);
      }
    }
    return *faiss_ivf;
  }

  VectorIndex& ivf_index() {
    if (!ivf) {
      faiss_ivf.reset();
      gallery.reset();
      malloc_trim(0);
      const long before = status_kb("VmRSS");
      ivf = VectorIndex::load((dir / "gallery" / "vectors.faiss").string(), kind);
      ivf_mb = (status_kb("VmRSS") - before) / 1024.0;
      vector_file = lingbi::gallery::VectorFile::open((dir / "gallery" / "vectors.f32").string(), kDim,
                                             catalog->meta("vector_file_token"), *catalog, false);
      if (!ivf || !vector_file) {
        std::fprintf(stderr, "cannot load the built index or vectors.f32 in %s\n", (dir / "gallery").c_str());
        std::exit(1);
      }
    }
    return *ivf;
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

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

using SearchFn = std::function<std::vector<int64_t>(const float* query)>;

void measure(benchmark::State& state, const SearchFn& search, int nq) {
  Setup& s = setup();
  drop_caches();
  // A few queries of another stream first, as a running server has its code paged in; their
  // short lists are other rows, so the measured queries still read theirs from the disk.
  for (int q = 0; q < kWarmup; ++q) search(&s.warmup[static_cast<size_t>(q) * kDim]);
  std::vector<double> ms, cpu_ms;
  int hits = 0;
  for (auto _ : state) {
    ms.clear();
    cpu_ms.clear();
    hits = 0;
    for (int q = 0; q < nq; ++q) {
      const auto t0 = Clock::now();
      const double cpu0 = thread_cpu_ms();
      const auto found = search(&s.queries[static_cast<size_t>(q) * kDim]);
      cpu_ms.push_back(thread_cpu_ms() - cpu0);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!s.truth.ids.empty())
        for (int64_t id : found) hits += static_cast<int>(s.truth.ids[q].count(id));
    }
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  state.counters["N"] = static_cast<double>(s.n);
  // The calling thread's CPU time: on a shared machine it moves less than the wall clock (but
  // leaves out waiting for the disk, and FAISS's other threads when there are any).
  state.counters["cpu_p50_ms"] = cpu_ms[cpu_ms.size() / 2];
  state.counters["cpu_p99_ms"] = cpu_ms[cpu_ms.size() * 99 / 100];
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[ms.size() * 99 / 100];
  state.counters["recall10"] = s.truth.ids.empty() ? -1 : static_cast<double>(hits) / (nq * kK);
  state.counters["exact_scan_ms_per_query"] = s.truth.exact_s * 1000 / kQueries;
  state.counters["process_MB"] = status_kb("VmRSS") / 1024.0;
  state.counters["build_s"] = s.build.seconds;
  state.counters["build_peak_MB"] = s.build.peak_mb;
}

// What `lingbi search` and compose run: Gallery::search with default SearchOptions (k 10, the
// duplicate filter on, paths and descriptions read from cards.bin). Args: threads, probes and
// re-ranking factor (0, 0: the defaults).
void BM_GallerySearch(benchmark::State& state) {
  Setup& s = setup();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  lingbi::Gallery& g = s.opened_gallery();
  lingbi::SearchOptions o;
  o.k = kK;
  o.probes = static_cast<int>(state.range(1));
  o.rerank = static_cast<int>(state.range(2));
  measure(state, [&](const float* q) {
    std::vector<int64_t> ids;
    for (const auto& h : g.search(std::vector<float>(q, q + kDim), o)) ids.push_back(h.id);
    return ids;
  }, kQueries);
  state.counters["index_MB"] = s.gallery_mb;
  const auto setting = [](int v, const char* what) {
    return std::string(" ") + what + (v > 0 ? " " + std::to_string(v) : std::string(" default"));
  };
  state.SetLabel("Gallery::search " + s.kind + setting(o.probes, "probes") + setting(o.rerank, "rerank x"));
}

// The bare VectorIndex (no duplicate filter, no catalog lookups), for comparison. Args: threads,
// nprobe and re-ranking factor (0, 0: the defaults), and where re-ranking reads the exact vectors:
// 0 vectors.f32 (what the gallery does), 1 the catalog (SQLite).
void BM_IvfPq(benchmark::State& state) {
  Setup& s = setup();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  VectorIndex& ivf = s.ivf_index();
  const int nprobe = static_cast<int>(state.range(1)), k_factor = static_cast<int>(state.range(2));
  const bool from_catalog = state.range(3) == 1;
  const lingbi::gallery::ExactVectors* exact =
      from_catalog ? static_cast<const lingbi::gallery::ExactVectors*>(s.catalog.get()) : s.vector_file.get();
  measure(state, [&](const float* q) {
    std::vector<int64_t> ids;
    for (const auto& [id, score] : ivf.search(q, kK, exact, nprobe, k_factor)) ids.push_back(id);
    return ids;
  }, kQueries);
  state.counters["index_MB"] = s.ivf_mb;
  state.SetLabel("VectorIndex " + s.kind + " nprobe " + std::to_string(nprobe > 0 ? nprobe : ivf.nprobe()) +
                 " rerank x" + std::to_string(k_factor > 0 ? k_factor : ivf.k_factor()) +
                 (from_catalog ? " from catalog.sqlite" : " from vectors.f32"));
}

// The baseline for the bare index: the same short list from FAISS's own search (which picks the
// lists to probe itself) re-ranked the same way from vectors.f32. Args: threads.
void BM_FaissIvfPq(benchmark::State& state) {
  Setup& s = setup();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  faiss::Index& index = s.faiss_index();
  auto& lists = dynamic_cast<faiss::IndexIVF&>(index);
  lists.nprobe = std::clamp<size_t>(lists.nlist / 256, 16, 64);  // the gallery's defaults
  const int shortlist = kK * 24;
  measure(state, [&](const float* q) {
    std::vector<float> dist(shortlist), v(kDim);
    std::vector<faiss::Index::idx_t> label(shortlist);
    index.search(1, q, shortlist, dist.data(), label.data());
    std::vector<int64_t> wanted;
    for (auto id : label)
      if (id >= 0) wanted.push_back(id);
    std::sort(wanted.begin(), wanted.end());
    s.vector_file->prefetch(wanted);
    std::vector<std::pair<float, int64_t>> scored;
    for (int64_t id : wanted)
      if (s.vector_file->read_vector(id, v.data(), kDim)) scored.emplace_back(faiss::fvec_inner_product(q, v.data(), kDim), id);
    const size_t top = std::min<size_t>(kK, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + top, scored.end(), std::greater<>());
    std::vector<int64_t> ids;
    for (size_t i = 0; i < top; ++i) ids.push_back(scored[i].second);
    return ids;
  }, kQueries);
  state.SetLabel("FAISS's own IndexIVFPQ::search, nprobe " + std::to_string(lists.nprobe) +
                 ", re-ranked x24 from vectors.f32");
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
  measure(state, [&](const float* q) {
    std::vector<int64_t> ids;
    for (const auto& [id, score] : flat.search(q, kK, nullptr)) ids.push_back(id);
    return ids;
  }, std::min(kQueries, 100));  // exact scans are slow; 100 suffice
  state.counters["build_s"] = s.flat_build_s;
  state.counters["index_MB"] = s.flat_mb;
  state.SetLabel("Flat (exact)");
}

BENCHMARK(BM_GallerySearch)
    ->Args({1, 0, 0})->Args({2, 0, 0})
    ->Args({1, 0, 96})  // as many re-ranked as the default path did before it re-ranked for k: 4k x 24
    ->Args({1, 16, 8})->Args({1, 16, 16})->Args({1, 32, 16})->Args({1, 32, 24})->Args({1, 32, 32})->Args({1, 64, 64})
    ->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_IvfPq)
    ->Args({1, 0, 0, 0})->Args({1, 0, 0, 1})
    ->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FaissIvfPq)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Flat)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

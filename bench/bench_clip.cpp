// CLIP image-embedding throughput at ViT-B/32 size (random weights): f32 and f16 weights, batch 1
// and 16. Reports images/s and GFLOP/s (multiply-adds counted as 2 FLOPs) and the fraction of the
// fp32 FMA peak measured at start-up on the same threads (or LINGBI_PEAK_GFLOPS when set).
// The weights are written to LINGBI_BENCH_CLIP_DIR (default /tmp/lingbi-bench-clip) so that
// bench/clip_torch_baseline.py can run PyTorch on the very same model.
//   build/bin/bench_clip --benchmark_min_time=2        (threads: LINGBI_THREADS, default 2)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include "fma_peak.h"
#include "lingbi/clip/clip.h"
#include "vit_b32.h"

namespace {

namespace fs = std::filesystem;

fs::path bench_dir() {
  const char* d = std::getenv("LINGBI_BENCH_CLIP_DIR");
  return d ? fs::path(d) : fs::path("/tmp/lingbi-bench-clip");
}

int threads() {
  const char* t = std::getenv("LINGBI_THREADS");
  return t ? std::atoi(t) : 2;
}

lingbi::ClipModel& model(const std::string& type, int batch) {
  static std::map<std::string, std::unique_ptr<lingbi::ClipModel>> models;
  const std::string key = type + "/" + std::to_string(batch);
  auto& m = models[key];
  if (!m) {
    const fs::path gguf = lingbi::bench::vit_b32_gguf(bench_dir(), type);
    lingbi::ClipOptions o;
    o.n_threads = threads();
    o.batch_size = batch;
    m = lingbi::ClipModel::load(gguf.string(), o);
    lingbi::ClipImage warm{224, std::vector<float>(3 * 224 * 224, 0.0f)};
    m->embed_images(std::vector<lingbi::ClipImage>(size_t(batch), warm));  // first graph allocation
  }
  return *m;
}

// FLOPs of one ViT-B/32 image: patch embedding, 12 blocks (QKV/out projections, attention, MLP), projection.
double flops_per_image() {
  const double e = 768, ff = 3072, n = 50, layers = 12, kp = 3 * 32 * 32;
  const double block = 2 * n * e * (4 * e) + 2 * 2 * n * n * e + 2 * n * e * (2 * ff);
  return 2 * 49 * kp * e + layers * block + 2 * e * 512;
}

double peak_gflops() {
  static const double peak = [] {
    const char* p = std::getenv("LINGBI_PEAK_GFLOPS");
    const double g = p ? std::atof(p) : measure_fma_peak_gflops(threads(), 1.0);
    std::fprintf(stderr, "fp32 FMA peak on %d threads: %.1f GFLOP/s%s\n", threads(), g, p ? " (LINGBI_PEAK_GFLOPS)" : " (measured)");
    return g;
  }();
  return peak;
}

void run(benchmark::State& state, const std::string& type) {
  const int batch = int(state.range(0));
  peak_gflops();
  auto& m = model(type, batch);
  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<lingbi::ClipImage> images(batch);
  for (auto& im : images) {
    im.size = 224;
    im.pixels.resize(3 * 224 * 224);
    for (float& v : im.pixels) v = dist(rng);
  }
  for (auto _ : state) benchmark::DoNotOptimize(m.embed_images(images));
  const double n = double(state.iterations()) * batch;
  state.counters["images/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(n * flops_per_image() / 1e9, benchmark::Counter::kIsRate);
  state.counters["peak_fraction"] = benchmark::Counter(n * flops_per_image() / 1e9 / peak_gflops(), benchmark::Counter::kIsRate);
}

void BM_clip_vit_b32_f32(benchmark::State& s) { run(s, "f32"); }
void BM_clip_vit_b32_f16(benchmark::State& s) { run(s, "f16"); }
void BM_clip_vit_b32_q8_0(benchmark::State& s) { run(s, "q8_0"); }
BENCHMARK(BM_clip_vit_b32_f32)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_clip_vit_b32_f16)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_clip_vit_b32_q8_0)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

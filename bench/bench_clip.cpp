// CLIP image-embedding throughput at ViT-B/32 size, or ViT-L/14 at 336 px with
// LINGBI_BENCH_VIT=l14-336 (random weights, bench/vit_model.h): f32, f16, bf16 and q8_0 weights,
// batch 1 and 16. Reports images/s and GFLOP/s (multiply-adds counted as 2 FLOPs), the
// fraction of the fp32 FMA peak measured at start-up on the same threads (or LINGBI_PEAK_GFLOPS when
// set), and cos_to_f32: the lowest cosine between this type's embeddings of the bench's images and
// the f32 file's (the quality a faster type gives up).
// The weights are written to LINGBI_BENCH_CLIP_DIR (default /tmp/lingbi-bench-clip) so that
// bench/clip_torch_baseline.py and bench/clip_onnx_baseline.py run PyTorch and ONNX Runtime on the
// very same model.
//   build/bin/bench_clip --benchmark_min_time=2        (threads: LINGBI_THREADS, default 2)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "fma_peak.h"
#include "lingbi/clip/clip.h"
#include "vit_model.h"

namespace {

namespace fs = std::filesystem;

fs::path bench_dir() {
  const char* d = std::getenv("LINGBI_BENCH_CLIP_DIR");
  return d ? fs::path(d) : fs::path("/tmp/lingbi-bench-clip");
}

const lingbi::bench::VitSize& vit() { return lingbi::bench::vit_from_env(); }

int threads() {
  const char* t = std::getenv("LINGBI_THREADS");
  return t ? std::atoi(t) : 2;
}

// kernels: lingbi's own CPU kernels (ClipOptions::cpu_kernels), or ggml's operators throughout.
lingbi::ClipModel& model(const std::string& type, int batch, bool kernels = true) {
  static std::map<std::string, std::unique_ptr<lingbi::ClipModel>> models;
  const std::string key = type + "/" + std::to_string(batch) + (kernels ? "" : "/ggml");
  auto& m = models[key];
  if (!m) {
    const fs::path gguf = lingbi::bench::vit_gguf(bench_dir(), vit(), type);
    lingbi::ClipOptions o;
    o.n_threads = threads();
    o.batch_size = batch;
    o.cpu_kernels = kernels;
    m = lingbi::ClipModel::load(gguf.string(), o);
    std::fprintf(stderr, "%s, batch %d: lingbi's CPU kernels: %s\n", type.c_str(), batch, m->cpu_kernels().c_str());
    const int side = vit().image_size;
    lingbi::ClipImage warm{side, std::vector<float>(size_t(3) * side * side, 0.0f)};
    m->embed_images(std::vector<lingbi::ClipImage>(size_t(batch), warm));  // first graph allocation
  }
  return *m;
}

double flops_per_image() { return lingbi::bench::vit_flops_per_image(vit()); }

double peak_gflops() {
  static const double peak = [] {
    const char* p = std::getenv("LINGBI_PEAK_GFLOPS");
    const double g = p ? std::atof(p) : measure_fma_peak_gflops(threads(), 1.0);
    std::fprintf(stderr, "%s; fp32 FMA peak on %d threads: %.1f GFLOP/s%s\n", vit().name, threads(), g,
                 p ? " (LINGBI_PEAK_GFLOPS)" : " (measured)");
    return g;
  }();
  return peak;
}

void run(benchmark::State& state, const std::string& type, bool kernels = true) {
  const int batch = int(state.range(0));
  peak_gflops();
  auto& m = model(type, batch, kernels);
  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<lingbi::ClipImage> images(batch);
  for (auto& im : images) {
    im.size = vit().image_size;
    im.pixels.resize(size_t(3) * im.size * im.size);
    for (float& v : im.pixels) v = dist(rng);
  }
  for (auto _ : state) benchmark::DoNotOptimize(m.embed_images(images));
  const auto got = m.embed_images(images), want = model("f32", batch).embed_images(images);
  double lowest = 1;
  for (size_t i = 0; i < got.size(); ++i) {
    double dot = 0;  // both are L2-normalised
    for (size_t k = 0; k < got[i].size(); ++k) dot += double(got[i][k]) * want[i][k];
    lowest = std::min(lowest, dot);
  }
  state.counters["cos_to_f32"] = lowest;
  const double n = double(state.iterations()) * batch;
  state.counters["images/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(n * flops_per_image() / 1e9, benchmark::Counter::kIsRate);
  state.counters["peak_fraction"] = benchmark::Counter(n * flops_per_image() / 1e9 / peak_gflops(), benchmark::Counter::kIsRate);
}

void BM_clip_f32(benchmark::State& s) { run(s, "f32"); }
void BM_clip_f16(benchmark::State& s) { run(s, "f16"); }
void BM_clip_bf16(benchmark::State& s) { run(s, "bf16"); }
void BM_clip_q8_0(benchmark::State& s) { run(s, "q8_0"); }
// The same files on ggml's operators alone: what lingbi's kernels (src/clip/cpu_kernels.h) bring.
void BM_clip_f32_ggml(benchmark::State& s) { run(s, "f32", false); }
void BM_clip_bf16_ggml(benchmark::State& s) { run(s, "bf16", false); }
BENCHMARK(BM_clip_f32)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_clip_f16)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_clip_bf16)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_clip_q8_0)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_clip_f32_ggml)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_clip_bf16_ggml)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

// Image and text embedding throughput of the three CLIP families at their real base sizes (random
// weights), side by side in one run: OpenAI CLIP ViT-B/32, Chinese-CLIP ViT-B/16 (RoBERTa-wwm-base
// text) and SigLIP base patch16-224. Images/s and texts/s at batch 1 and 16; f16 weights by
// default (LINGBI_BENCH_TYPE=f32|f16|q8_0). Models are written once to LINGBI_BENCH_CLIP_DIR
// (default /tmp/lingbi-bench-clip).
//   build/bin/bench_clip_families --benchmark_min_time=2     (threads: LINGBI_THREADS, default 2)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base_models.h"
#include "lingbi/clip/clip.h"

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

std::string weight_type() {
  const char* t = std::getenv("LINGBI_BENCH_TYPE");
  return t ? t : "f16";
}

lingbi::ClipModel& model(const std::string& family, int batch) {
  static std::map<std::string, std::unique_ptr<lingbi::ClipModel>> models;
  auto& m = models[family + "/" + std::to_string(batch)];
  if (!m) {
    lingbi::ClipOptions o;
    o.n_threads = threads();
    o.batch_size = batch;
    m = lingbi::ClipModel::load(lingbi::bench::base_model_gguf(bench_dir(), family, weight_type()).string(), o);
  }
  return *m;
}

// Queries as a gallery gets them: short, Chinese and English.
std::vector<std::string> queries(int n) {
  static const char* const q[] = {"海边的日落", "a lighthouse at dusk", "城市清晨的第一班电车", "a red bicycle in the rain",
                                  "一只猫在窗台上晒太阳", "mountains under snow", "夜市里的小吃摊", "children playing football"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(q[i % 8]);
  return out;
}

void images(benchmark::State& state, const std::string& family) {
  const int batch = int(state.range(0));
  auto& m = model(family, batch);
  const int size = m.preprocess().image_size;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<lingbi::ClipImage> in(batch);
  for (auto& im : in) {
    im.size = size;
    im.pixels.resize(size_t(3) * size * size);
    for (float& v : im.pixels) v = dist(rng);
  }
  m.embed_images(in);  // the first graph's allocation is not measured
  for (auto _ : state) benchmark::DoNotOptimize(m.embed_images(in));
  state.counters["images/s"] = benchmark::Counter(double(state.iterations()) * batch, benchmark::Counter::kIsRate);
}

void texts(benchmark::State& state, const std::string& family) {
  const int batch = int(state.range(0));
  auto& m = model(family, batch);
  const auto in = queries(batch);
  m.embed_texts(in);
  for (auto _ : state) benchmark::DoNotOptimize(m.embed_texts(in));
  state.counters["texts/s"] = benchmark::Counter(double(state.iterations()) * batch, benchmark::Counter::kIsRate);
}

}  // namespace

// One family after another for each measurement, so the three are measured under the same load.
BENCHMARK_CAPTURE(images, clip_vit_b32, std::string("clip"))->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(images, chinese_clip_vit_b16, std::string("chinese_clip"))->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(images, siglip_base_p16_224, std::string("siglip"))->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(texts, clip_vit_b32, std::string("clip"))->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(texts, chinese_clip_vit_b16, std::string("chinese_clip"))->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(texts, siglip_base_p16_224, std::string("siglip"))->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();

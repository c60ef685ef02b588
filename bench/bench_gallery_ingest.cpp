// Ingestion throughput on large generated JPEGs (default 1,000 of 12 megapixels), side by side in
// one run: decoding with shrink-on-load plus preprocessing alone, the encoder alone on the
// prepared images, and the whole pipeline (walk, hash, decode, embed, commit). Goal: the
// pipeline within 10% of the encoder alone, i.e. decoding hidden behind embedding.
//
//   LINGBI_BENCH_IMAGES=1000 LINGBI_BENCH_MP=12 LINGBI_BENCH_CLIP=model.gguf LINGBI_BENCH_THREADS=2
//   OMP_WAIT_POLICY=passive build/bin/bench_gallery_ingest    (both lines: environment, then the command)
// Without LINGBI_BENCH_CLIP the tiny random CLIP (32 px input) is used: its encoder is so cheap that
// the figures then measure decoding, not the overlap a real ViT-B/32 would show.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>
#include <vips/vips8>

#include "gallery/image_decode.h"
#include "lingbi/gallery.h"
#include "tiny_clip.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

struct Setup {
  fs::path dir;
  std::vector<fs::path> files;
  std::string clip;
  int threads = 2;
  Setup() {
    dir = fs::temp_directory_path() / ("lingbi-bench-ingest-" + std::to_string(::getpid()));
    fs::create_directories(dir / "photos");
    lingbi::ensure_vips();
    threads = env_int("LINGBI_BENCH_THREADS", 2);
    const char* clip_env = std::getenv("LINGBI_BENCH_CLIP");
    if (clip_env) {
      clip = clip_env;
    } else {
      lingbi::dev::write_tiny_clip(dir / "clip", 3);
      clip = (dir / "clip" / "clip.gguf").string();
    }
    const int n = env_int("LINGBI_BENCH_IMAGES", 1000), mp = env_int("LINGBI_BENCH_MP", 12);
    const int w = static_cast<int>(std::sqrt(mp * 1e6 * 4 / 3)), h = w * 3 / 4;
    // One large base picture, varied per file by a cheap per-band offset, so that every file has
    // different content (different hash) without paying for a fresh 12-megapixel synthesis each.
    vips::VImage xy = vips::VImage::xyz(w, h);
    vips::VImage base = vips::VImage::bandjoin({xy.extract_band(0) * (255.0 / w), xy.extract_band(1) * (255.0 / h),
                                                (xy.extract_band(0) + xy.extract_band(1)) * (127.0 / (w + h))});
    base = (base + vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 20.0))).cast(VIPS_FORMAT_UCHAR).copy_memory();
    for (int i = 0; i < n; ++i) {
      const fs::path p = dir / "photos" / ("big" + std::to_string(i) + ".jpg");
      (base + std::vector<double>{double(i % 50), double(i / 50 % 50), double(i % 7)})
          .cast(VIPS_FORMAT_UCHAR)
          .jpegsave(p.c_str(), vips::VImage::option()->set("Q", 85));
      files.push_back(p);
    }
  }
  ~Setup() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

std::vector<unsigned char> read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

std::vector<lingbi::PreparedImage> g_prepared;

void BM_DecodeAndPrepare(benchmark::State& state) {
  Setup& s = setup();
  auto embedder = lingbi::load_clip_embedder(s.clip, 1, 16);
  for (auto _ : state) {
    std::vector<lingbi::PreparedImage> out(s.files.size());
    std::vector<std::thread> pool;
    std::atomic<size_t> next{0};
    for (int t = 0; t < s.threads; ++t)
      pool.emplace_back([&] {
        for (size_t i; (i = next++) < s.files.size();) {
          auto bytes = read_all(s.files[i]);
          auto d = lingbi::decode_image(s.files[i].string(), bytes, embedder->image_size(), int64_t(1) << 40);
          out[i] = embedder->prepare(d.thumbnail);
        }
      });
    for (auto& t : pool) t.join();
    g_prepared = std::move(out);
  }
  state.counters["images_per_s"] = benchmark::Counter(static_cast<double>(s.files.size()), benchmark::Counter::kIsRate);
}

void BM_EncoderAlone(benchmark::State& state) {
  Setup& s = setup();
  auto embedder = lingbi::load_clip_embedder(s.clip, s.threads, 16);
  for (auto _ : state) {
    auto copy = g_prepared;
    benchmark::DoNotOptimize(embedder->embed_images(std::move(copy)));
  }
  state.counters["images_per_s"] = benchmark::Counter(static_cast<double>(g_prepared.size()), benchmark::Counter::kIsRate);
}

void BM_WholePipeline(benchmark::State& state) {
  Setup& s = setup();
  const int decoders = std::max(1, s.threads / 2);
  auto embedder = lingbi::load_clip_embedder(s.clip, std::max(1, s.threads - decoders), 16);
  int run = 0;
  for (auto _ : state) {
    auto g = lingbi::Gallery::open_for((s.dir / ("g" + std::to_string(run++))).string(), *embedder);
    lingbi::IndexOptions o;
    o.roots = {(s.dir / "photos").string()};
    o.threads = decoders;
    o.progress = false;
    benchmark::DoNotOptimize(g->index(*embedder, o));
  }
  state.counters["images_per_s"] = benchmark::Counter(static_cast<double>(s.files.size()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_DecodeAndPrepare)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EncoderAlone)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WholePipeline)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

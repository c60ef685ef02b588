// Ingestion throughput on large generated JPEGs (default 1,000 of 12 megapixels) with a
// ViT-B/32-sized CLIP (random weights, f16 as `lingbi convert-clip` writes by default), side by
// side in one run:
//   DecodeAndPrepare/1, /2   read, hash, decode with shrink-on-load and preprocess, on 1 and 2 threads
//   EncoderAlone             the encoder on prepared images (batch 16, all threads)
//   WholePipeline            Gallery::index exactly as `lingbi index -t THREADS` runs it by default
//                            (decoders and encoder take turns on all threads; index_threads.h)
//   WholePipelineSplit       the same with `--decode-threads THREADS/2` (a fixed split, for comparison)
// and the bound the cores put on the pipeline: with d and e the CPU seconds per image of decoding
// (1 thread) and encoding, no schedule beats THREADS / (d + e) images/s. Goal: the pipeline within
// 10% of the encoder alone. The run (one pass each: about 6 minutes at 1,000 images on 2 idle cores,
// plus a few minutes to write the JPEGs the first time):
//
//   LINGBI_BENCH_IMAGES=1000 OMP_WAIT_POLICY=passive build/bin/bench_gallery_ingest
//
// (passive: ggml's OpenMP threads then sleep at a barrier instead of spinning; that changed nothing
// beyond run-to-run noise here with the cores free, and avoids a collapse when another process
// takes one; the bench warns
// when the cores were not its own.) Measured (1,000 images, 3.2 MB per JPEG, cores free),
// images/s: decode+prepare 26.2 (1 thread), 46.4 (2 threads); encoder alone 14.4; pipeline 11.0
// (0.76 of the encoder alone), with a fixed 1+1 split 8.5 (0.59). d = 0.038, e = 0.132 CPU s:
// bound 11.7 images/s (0.77 of the encoder alone); the pipeline reached 0.94 of it.
//
// Environment: LINGBI_BENCH_IMAGES (1000), LINGBI_BENCH_MP (12), LINGBI_BENCH_THREADS (2),
// LINGBI_BENCH_DIR (cache of the model and the JPEGs, default /tmp/lingbi-bench-ingest: a rerun
// generates nothing), LINGBI_BENCH_CLIP (a CLIP GGUF to use instead, or "tiny" for the 32-px test
// model), LINGBI_BENCH_VIT (b32, or l14-336 for a ViT-L/14 at 336 px: issue 17 item 7),
// LINGBI_BENCH_CLIP_TYPE (f16; f32, bf16 or q8_0 for the generated tower).
#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <vips/vips8>

#include "gallery/image_decode.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/index_threads.h"
#include "lingbi/util/hash.h"
#include "lingbi/util/vips_init.h"
#include "tiny_clip.h"
#include "vit_model.h"

namespace {

namespace fs = std::filesystem;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::string env_str(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// CPU seconds used by the whole process (every thread, libvips' and OpenMP's included).
double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Writes the missing files of folder/big0.jpg .. big{n-1}.jpg (about mp megapixels, 4:3, quality 85).
// One large base picture, varied per file by a cheap per-band offset, so that every file has
// different content (different hash) without paying for a fresh synthesis each; its noise makes
// the files about as large as a phone's photos (about 5 MB at 12 megapixels).
void make_jpegs(const fs::path& folder, int n, int mp) {
  std::vector<int> missing;
  for (int i = 0; i < n; ++i)
    if (!fs::exists(folder / ("big" + std::to_string(i) + ".jpg"))) missing.push_back(i);
  if (missing.empty()) return;
  std::fprintf(stderr, "writing %zu JPEGs of %d megapixels into %s (once)\n", missing.size(), mp,
               folder.c_str());
  const fs::path part = folder.parent_path() / (".part-" + std::to_string(::getpid()));
  fs::create_directories(folder);
  fs::create_directories(part);
  const int w = static_cast<int>(std::sqrt(mp * 1e6 * 4 / 3)), h = w * 3 / 4;
  vips::VImage xy = vips::VImage::xyz(w, h);
  vips::VImage base =
      vips::VImage::bandjoin({xy.extract_band(0) * (255.0 / w), xy.extract_band(1) * (255.0 / h),
                              (xy.extract_band(0) + xy.extract_band(1)) * (127.0 / (w + h))});
  base = (base + vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 20.0)))
             .cast(VIPS_FORMAT_UCHAR)
             .copy_memory();
  for (int i : missing) {
    // Written aside, then renamed: an interrupted run leaves no truncated file in the folder.
    const fs::path tmp = part / "x.jpg";
    (base + std::vector<double>{double(i % 50), double(i / 50 % 50), double(i % 7)})
        .cast(VIPS_FORMAT_UCHAR)
        .jpegsave(tmp.c_str(), vips::VImage::option()->set("Q", 85));
    fs::rename(tmp, folder / ("big" + std::to_string(i) + ".jpg"));
  }
  fs::remove_all(part);
}

struct Setup {
  fs::path dir, photos, work;
  std::vector<fs::path> files;
  std::string clip;
  int threads = 2;
  double mean_mb = 0;
  Setup() {
    lingbi::ensure_vips();
    dir = env_str("LINGBI_BENCH_DIR", (fs::temp_directory_path() / "lingbi-bench-ingest").string());
    fs::create_directories(dir);
    threads = std::max(1, env_int("LINGBI_BENCH_THREADS", 2));
    const std::string clip_env = env_str("LINGBI_BENCH_CLIP", "");
    if (clip_env == "tiny") {
      if (!fs::exists(dir / "tiny" / "clip.gguf")) lingbi::dev::write_tiny_clip(dir / "tiny", 3);
      clip = (dir / "tiny" / "clip.gguf").string();
    } else if (!clip_env.empty()) {
      clip = clip_env;
    } else {
      clip = lingbi::bench::vit_gguf(dir, lingbi::bench::vit_from_env(), env_str("LINGBI_BENCH_CLIP_TYPE", "f16")).string();
    }
    const int n = env_int("LINGBI_BENCH_IMAGES", 1000), mp = env_int("LINGBI_BENCH_MP", 12);
    photos = dir / ("photos-" + std::to_string(mp) + "mp-" + std::to_string(n));
    make_jpegs(photos, n, mp);
    double bytes = 0;
    for (int i = 0; i < n; ++i) {
      files.push_back(photos / ("big" + std::to_string(i) + ".jpg"));
      bytes += double(fs::file_size(files.back()));
    }
    mean_mb = bytes / std::max(1, n) / 1e6;
    work = fs::temp_directory_path() / ("lingbi-bench-ingest-work-" + std::to_string(::getpid()));
    fs::create_directories(work);
    std::fprintf(stderr, "model %s\n%d JPEGs in %s, %.2f MB each on average; %d threads\n", clip.c_str(), n,
                 photos.c_str(), mean_mb, threads);
  }
  ~Setup() {
    std::error_code ec;
    fs::remove_all(work, ec);
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// One read of the whole file, as the pipeline reads it (not byte by byte).
std::vector<unsigned char> read_all(const fs::path& p) {
  std::vector<unsigned char> bytes(fs::file_size(p));
  std::ifstream in(p, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return bytes;
}

// Figures kept for the ratios, printed at exit.
struct Figures {
  int threads = 0;                  // Setup::threads (Setup is gone when this prints)
  double decode_cpu_per_image = 0;  // d: CPU seconds per image, decoding on 1 thread
  double decode_rate[3] = {0, 0, 0};
  double encode_cpu_per_image = 0;  // e
  double encoder_rate = 0, encoder_cores = 0, pipeline_rate = 0, split_rate = 0;
  // THREADS / (d + e): images/s no schedule beats on THREADS cores held by this process alone.
  double bound() const {
    const double de = decode_cpu_per_image + encode_cpu_per_image;
    return de > 0 ? threads / de : 0;
  }
  // e / (d + e): the best pipeline / encoder-alone ratio (bound() over the encoder's 2 / e).
  double best_ratio() const {
    const double de = decode_cpu_per_image + encode_cpu_per_image;
    return de > 0 ? encode_cpu_per_image / de : 0;
  }
  ~Figures() {
    if (encoder_rate <= 0 || pipeline_rate <= 0) return;
    std::printf(
        "\nimages/s: decode+prepare %.2f (1 thread), %.2f (2 threads); encoder alone %.2f; pipeline %.2f "
        "(take turns, the default), %.2f (fixed split)\n",
        decode_rate[1], decode_rate[2], encoder_rate, pipeline_rate, split_rate);
    std::printf(
        "CPU s per image: decoding d = %.4f, encoding e = %.4f; on %d cores no schedule beats %d / (d + e) = "
        "%.2f images/s\n",
        decode_cpu_per_image, encode_cpu_per_image, threads, threads, bound());
    std::printf(
        "best possible pipeline / encoder alone = e / (d + e) = %.2f (the goal, 0.90, needs d <= e / 9)\n",
        best_ratio());
    std::printf(
        "pipeline / encoder alone = %.2f; pipeline / bound = %.2f; fixed split / encoder alone = %.2f\n",
        pipeline_rate / encoder_rate, pipeline_rate / bound(), split_rate / encoder_rate);
    if (encoder_cores < 0.9 * threads)
      std::printf(
          "WARNING: the encoder alone kept only %.2f of %d cores busy: another job took a share that varies "
          "from one step to the next, so neither the images/s nor their ratios measure the pipeline; rerun "
          "on "
          "idle cores\n",
          encoder_cores, threads);
  }
};
Figures g_figures;
std::vector<lingbi::PreparedImage> g_sample;  // up to 64 prepared images for the encoder alone

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void BM_DecodeAndPrepare(benchmark::State& state) {
  Setup& s = setup();
  const int n_threads = int(state.range(0));
  auto embedder = lingbi::load_clip_embedder(s.clip, 1, 16);
  const double n = double(s.files.size());
  double cpu = 0, wall = 0;
  for (auto _ : state) {
    std::vector<lingbi::PreparedImage> out(std::min<size_t>(s.files.size(), 64));
    std::vector<std::thread> pool;
    std::atomic<size_t> next{0};
    const double cpu0 = process_cpu_s();
    const auto t0 = Clock::now();
    for (int t = 0; t < n_threads; ++t)
      pool.emplace_back([&] {
        for (size_t i; (i = next++) < s.files.size();) {
          auto bytes = read_all(s.files[i]);
          benchmark::DoNotOptimize(lingbi::xxh3_128_hex(bytes.data(), bytes.size()));
          auto d = lingbi::gallery::decode_image(s.files[i].string(), bytes, embedder->image_size(), int64_t(1) << 40);
          auto p = embedder->prepare(d.thumbnail);
          if (i < out.size()) out[i] = std::move(p);
        }
      });
    for (auto& t : pool) t.join();
    wall = seconds_since(t0);
    cpu = process_cpu_s() - cpu0;
    g_sample = std::move(out);
  }
  state.counters["images_per_s"] = n / wall;
  state.counters["cpu_s_per_image"] = cpu / n;
  state.counters["cores_used"] = cpu / wall;
  if (n_threads == 1) g_figures.decode_cpu_per_image = cpu / n;
  if (n_threads <= 2) g_figures.decode_rate[n_threads] = n / wall;
}

void BM_EncoderAlone(benchmark::State& state) {
  Setup& s = setup();
  if (g_sample.empty())
    return state.SkipWithError("run with DecodeAndPrepare first (it prepares the images)");
  const int batch = 16;
  auto embedder = lingbi::load_clip_embedder(s.clip, s.threads, batch);
  auto batch_of = [&](size_t first) {
    std::vector<lingbi::PreparedImage> b;
    for (size_t i = first; i < s.files.size() && b.size() < size_t(batch); ++i)
      b.push_back(g_sample[i % g_sample.size()]);
    return b;
  };
  embedder->embed_images(batch_of(0));  // the first call allocates the graph
  const double n = double(s.files.size());
  double cpu = 0, wall = 0;
  for (auto _ : state) {
    const double cpu0 = process_cpu_s();
    const auto t0 = Clock::now();
    for (size_t first = 0; first < s.files.size(); first += batch) {
      auto b = batch_of(first);  // copying 16 prepared images is negligible beside encoding them
      benchmark::DoNotOptimize(embedder->embed_images(std::move(b)));
    }
    wall = seconds_since(t0);
    cpu = process_cpu_s() - cpu0;
  }
  state.counters["images_per_s"] = n / wall;
  state.counters["cpu_s_per_image"] = cpu / n;
  state.counters["cores_used"] = cpu / wall;
  g_figures.encode_cpu_per_image = cpu / n;
  g_figures.threads = s.threads;
  g_figures.encoder_rate = n / wall;
  g_figures.encoder_cores = cpu / wall;
}

// Gallery::index as `lingbi index -t THREADS --decode-threads DECODE` sets it up (DECODE 0: the default).
void pipeline(benchmark::State& state, int decode_threads, double& rate) {
  Setup& s = setup();
  const lingbi::IndexThreads plan = lingbi::plan_index_threads(s.threads, decode_threads);
  auto embedder = lingbi::load_clip_embedder(s.clip, plan.encoder, 16);
  static int run = 0;
  const double n = double(s.files.size());
  double cpu = 0, wall = 0;
  for (auto _ : state) {
    auto g = lingbi::Gallery::open_for((s.work / ("g" + std::to_string(run++))).string(), *embedder);
    lingbi::IndexOptions o;
    o.roots = {s.photos.string()};
    o.threads = plan.decoders;
    o.take_turns = plan.take_turns;
    o.batch_size = 16;
    o.progress = false;
    const double cpu0 = process_cpu_s();
    const auto t0 = Clock::now();
    const lingbi::IndexSummary summary = g->index(*embedder, o);
    wall = seconds_since(t0);
    cpu = process_cpu_s() - cpu0;
    if (summary.embedded != int64_t(s.files.size()) || summary.failed != 0)
      return state.SkipWithError("the pipeline did not embed every file");
  }
  state.counters["images_per_s"] = n / wall;
  state.counters["cpu_s_per_image"] = cpu / n;
  state.counters["cores_used"] = cpu / wall;
  state.counters["decoders"] = plan.decoders;
  state.counters["encoder_threads"] = plan.encoder;
  rate = n / wall;
  if (g_figures.encoder_rate > 0) state.counters["vs_encoder"] = rate / g_figures.encoder_rate;
  if (g_figures.bound() > 0 && g_figures.encoder_rate > 0) {
    state.counters["bound_images_per_s"] = g_figures.bound();
    state.counters["vs_bound"] = rate / g_figures.bound();
  }
}

void BM_WholePipeline(benchmark::State& state) { pipeline(state, 0, g_figures.pipeline_rate); }
void BM_WholePipelineSplit(benchmark::State& state) {
  pipeline(state, std::max(1, setup().threads / 2), g_figures.split_rate);
}

// One pass each: 1,000 12-megapixel files take minutes; the ratios come from the same run.
BENCHMARK(BM_DecodeAndPrepare)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EncoderAlone)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WholePipeline)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WholePipelineSplit)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

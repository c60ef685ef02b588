// One compose run broken down by stage (time and tokens), side by side with the same run when
// every question re-reads the whole article (the KV cache cleared before each request), so the
// ratio of prompt tokens evaluated and of wall time is measured, not estimated.
//
// Models: $LINGBI_BENCH_MODEL (default: the tiny random-weight LLM in the build tree) and
// $LINGBI_BENCH_CLIP (default: the tiny CLIP); threads $LINGBI_BENCH_THREADS (default 1). The
// gallery is 200 generated pictures indexed once. Words and pictures: $LINGBI_BENCH_WORDS (1500),
// $LINGBI_BENCH_IMAGES (6).
#include <benchmark/benchmark.h>

#include <vips/vips8>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "lingbi/compose/compose.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/model/local_model.h"
#include "lingbi/util/vips_init.h"
#include "bench_support.h"

namespace {

namespace fs = std::filesystem;

using lingbi::bench::env;
using lingbi::bench::env_int;

using lingbi::bench::NoReuse;

struct Fixture {
  fs::path dir;
  std::unique_ptr<lingbi::ImageEmbedder> embedder;
  std::unique_ptr<lingbi::Gallery> gallery;

  Fixture() {
    lingbi::ensure_vips();
    char pattern[] = "/tmp/lingbi-bench-compose-XXXXXX";
    dir = mkdtemp(pattern);
    fs::create_directories(dir / "pictures");
    for (int i = 0; i < 200; ++i) {
      vips::VImage noise = vips::VImage::gaussnoise(64, 48, vips::VImage::option()->set("mean", 40.0 + i % 170));
      vips::VImage img = noise.bandjoin({noise * 0.5 + i % 90, noise.flip(VIPS_DIRECTION_HORIZONTAL)}).cast(VIPS_FORMAT_UCHAR);
      img.write_to_file((dir / "pictures" / ("p" + std::to_string(i) + ".png")).c_str());
    }
    const int threads = env_int("LINGBI_BENCH_THREADS", 1);
    embedder = lingbi::load_clip_embedder(env("LINGBI_BENCH_CLIP", LINGBI_BENCH_TINY_DIR "/clip.gguf"), threads);
    gallery = lingbi::Gallery::open_for((dir / "gallery").string(), *embedder);
    lingbi::IndexOptions o;
    o.roots = {(dir / "pictures").string()};
    o.threads = threads;
    o.progress = false;
    gallery->index(*embedder, o);
  }
  ~Fixture() {
    gallery.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_Compose(benchmark::State& state) {
  const bool reuse = state.range(0) == 1;
  Fixture& f = fixture();
  lingbi::LocalModelOptions o;
  o.model = env("LINGBI_BENCH_MODEL", LINGBI_BENCH_TINY_DIR "/llm.gguf");
  o.threads = env_int("LINGBI_BENCH_THREADS", 1);
  o.context = 16384;
  lingbi::LocalModel local(o);
  NoReuse naive(local);
  lingbi::ChatModel& writer = reuse ? static_cast<lingbi::ChatModel&>(local) : naive;
  lingbi::ComposeOptions c;
  c.instruction = "Write about mornings in a quiet city: bakeries, rivers and the first trams.";
  c.words = env_int("LINGBI_BENCH_WORDS", 1500);
  c.images = env_int("LINGBI_BENCH_IMAGES", 6);
  c.seed = 42;
  lingbi::ComposeModels m;
  m.writer = &writer;
  m.embedder = f.embedder.get();
  m.gallery = f.gallery.get();
  lingbi::ComposeResult r;
  for (auto _ : state) r = lingbi::compose_article(c, m);
  const lingbi::Article& a = r.article;
  for (const auto& [stage, ms] : a.timings.items()) state.counters[stage] = ms.get<double>();
  int64_t reread = 0;
  for (const lingbi::Exchange& e : r.exchanges) {
    reread += e.tokens.prompt_total();
    state.counters[e.stage + "_evaluated"] += e.tokens.prompt_evaluated;
    state.counters[e.stage + "_reused"] += e.tokens.prompt_reused;
    state.counters[e.stage + "_generated"] += e.tokens.generated;
  }
  state.counters["requests"] = static_cast<double>(r.exchanges.size());
  state.counters["prompt_evaluated"] = static_cast<double>(a.tokens.prompt_evaluated);
  state.counters["prompt_reused"] = static_cast<double>(a.tokens.prompt_reused);
  state.counters["generated"] = static_cast<double>(a.tokens.generated);
  state.counters["prompt_total"] = static_cast<double>(reread);
  state.counters["total_over_evaluated"] = static_cast<double>(reread) / std::max<int64_t>(1, a.tokens.prompt_evaluated);
}
// Arg 1: our flow with prefix reuse; arg 0: every request re-reads its whole prompt.
BENCHMARK(BM_Compose)->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

// Time to an illustrated article at a real model size (issue 17 item 2), three ways side by side in
// one run, each in its own process so that its peak memory is its own:
//   (a) compose: lingbi's compose, one vision-language model writing and selecting (KV prefix reuse);
//   (b) reread:  the same stages with the KV cache cleared before every request, so every question
//                re-reads the article (the flow of InternLM-XComposer);
//   (c) floor:   llama.cpp and mtmd alone: (a)'s generated token count sampled after a short prompt,
//                plus (a)'s candidate pictures encoded by mtmd and evaluated by the model, each once.
// Reports wall time, prompt tokens evaluated, tokens generated, time and tokens/s per stage, peak
// memory (the child's maximum resident set), and the ratios (a)/(c) and (b)/(a). Before and after
// each variant a probe child generates the same 32 tokens with llama.cpp alone; their spread says
// whether the host held its speed (a warning when it moved by more than 20%). With (a) run again
// after (c) ("aca"), (a)/(c) compares (c) with the mean of the two (a) runs around it, so that a
// host whose speed drifts steadily through the run cancels out.
//
// Models (make them with `lingbi-dev make-model`, see docs/performance.md):
//   LINGBI_BENCH_MODEL   default ~/.cache/lingbi/bench-models/qwen2.5-vl-3b-q4_K_M.gguf
//   LINGBI_BENCH_MMPROJ  default ~/.cache/lingbi/bench-models/qwen2.5-vl-3b-mmproj-f16.gguf
//   LINGBI_BENCH_CLIP    default the tiny CLIP in the build tree (retrieval costs little)
// LINGBI_BENCH_THREADS (2), LINGBI_BENCH_WORDS (1500), LINGBI_BENCH_IMAGES (5), LINGBI_BENCH_CANDIDATES
// (4), LINGBI_BENCH_PICTURE (the gallery pictures' size, 448x336), LINGBI_BENCH_JSON (write the
// results there too), LINGBI_BENCH_VARIANTS ("abc"; "ac" leaves out (b); "aca" or "abca" runs (a)
// again after (c)), LINGBI_BENCH_SELECT (what the selector reads: "passage", compose's default, or
// "article").
//   build/bin/bench_article
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/compose/compose.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/model/local_model.h"
#include "lingbi/util/error.h"
#include "lingbi/util/vips_init.h"
#include "model/llama_handles.h"
#include "test_pictures.h"
#include "bench_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

using lingbi::bench::env;
using lingbi::bench::env_int;
std::string home_models() { return env("HOME", "/root") + "/.cache/lingbi/bench-models/"; }
std::string model_path() { return env("LINGBI_BENCH_MODEL", home_models() + "qwen2.5-vl-3b-q4_K_M.gguf"); }
std::string mmproj_path() { return env("LINGBI_BENCH_MMPROJ", home_models() + "qwen2.5-vl-3b-mmproj-f16.gguf"); }
int threads() { return env_int("LINGBI_BENCH_THREADS", 2); }
constexpr int kContext = 16384;
const char* kInstruction = "Write about mornings in a quiet city: bakeries, rivers and the first trams.";

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

using lingbi::bench::NoReuse;

// (a) and (b): one compose, with its stages' times and tokens and the pictures the selector saw.
json run_compose(const fs::path& dir, bool reuse) {
  lingbi::ensure_vips();
  auto embedder = lingbi::load_clip_embedder(env("LINGBI_BENCH_CLIP", LINGBI_BENCH_TINY_DIR "/clip.gguf"), threads());
  auto gallery = lingbi::Gallery::open_for((dir / "gallery").string(), *embedder);
  lingbi::LocalModelOptions o;
  o.model = model_path();
  o.mmproj = mmproj_path();
  o.threads = threads();
  o.context = kContext;
  lingbi::LocalModel local(o);
  NoReuse naive(local);
  lingbi::ChatModel& model = reuse ? static_cast<lingbi::ChatModel&>(local) : naive;
  lingbi::ComposeOptions c;
  c.instruction = kInstruction;
  c.lang = "en";
  c.words = env_int("LINGBI_BENCH_WORDS", 1500);
  c.images = env_int("LINGBI_BENCH_IMAGES", 5);
  c.candidates = env_int("LINGBI_BENCH_CANDIDATES", 4);
  c.seed = 42;
  c.select_context = env("LINGBI_BENCH_SELECT", "passage");
  const auto start = Clock::now();
  c.on_progress = [&](const std::string& step) { std::fprintf(stderr, "  [%6.1f s] %s\n", since(start), step.c_str()); };
  lingbi::ComposeModels m;
  m.writer = &model;
  m.selector = &model;
  m.embedder = embedder.get();
  m.gallery = gallery.get();
  const auto t0 = Clock::now();
  const lingbi::ComposeResult r = lingbi::compose_article(c, m);
  const double wall = since(t0);

  json out = {{"wall_s", wall}, {"stages", json::object()}, {"pictures", json::array()}};
  for (const auto& [key, ms] : r.article.timings.items()) {  // "plan_ms", ..., "total_ms"
    const std::string stage = key.substr(0, key.rfind("_ms"));
    if (stage != "total") out["stages"][stage]["s"] = ms.get<double>() / 1000.0;
  }
  int images = 0;
  for (const lingbi::Exchange& e : r.exchanges) {
    json& s = out["stages"][e.stage];
    if (s.is_null()) s = json::object();
    s["requests"] = s.value("requests", 0) + 1;
    s["evaluated"] = s.value("evaluated", 0) + e.tokens.prompt_evaluated;
    s["reused"] = s.value("reused", 0) + e.tokens.prompt_reused;
    s["generated"] = s.value("generated", 0) + e.tokens.generated;
    s["images"] = s.value("images", 0) + e.images;
    images += e.images;
  }
  std::set<std::string> seen;  // each distinct picture once, as the model's image cache encodes it once
  for (const lingbi::Slot& slot : r.article.slots)
    for (const lingbi::Candidate& cand : slot.candidates)
      if (seen.insert(cand.path).second) out["pictures"].push_back(cand.path);
  out["images_shown"] = images;
  out["evaluated"] = r.article.tokens.prompt_evaluated;
  out["reused"] = r.article.tokens.prompt_reused;
  out["generated"] = r.article.tokens.generated;
  return out;
}

// llama.cpp and mtmd loaded as (c) uses them, without lingbi.
struct Floor {
  lingbi::model_detail::LlamaModelPtr model;
  lingbi::model_detail::LlamaContextPtr ctx;
  lingbi::model_detail::MtmdPtr mtmd;

  Floor() {
    using namespace lingbi::model_detail;
    llama_backend_init();
    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    mtmd_helper_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
    auto mp = llama_model_default_params();
    model.reset(llama_model_load_from_file(model_path().c_str(), mp));
    if (!model) throw lingbi::Error("cannot load " + model_path());
    auto cp = llama_context_default_params();
    cp.n_ctx = kContext;
    cp.n_threads = cp.n_threads_batch = threads();
    cp.no_perf = true;
    ctx.reset(llama_init_from_model(model.get(), cp));
    auto mtp = mtmd_context_params_default();
    mtp.n_threads = threads();
    mtp.print_timings = false;
    mtp.warmup = false;
    mtmd.reset(mtmd_init_from_file(mmproj_path().c_str(), model.get(), mtp));
    if (!ctx || !mtmd) throw lingbi::Error("cannot start llama.cpp or mtmd on " + model_path());
  }

  // A short prompt (the instruction), then `count` tokens one at a time with the usual sampler
  // chain: {prompt seconds, prompt tokens, generation seconds}.
  std::tuple<double, int, double> generate(int count) {
    llama_memory_clear(llama_get_memory(ctx.get()), true);
    const llama_vocab* vocab = llama_model_get_vocab(model.get());
    std::vector<llama_token> prompt(64);
    const std::string p = std::string("<|im_start|>user\n") + kInstruction + "<|im_end|>\n<|im_start|>assistant\n";
    prompt.resize(static_cast<size_t>(
        llama_tokenize(vocab, p.c_str(), static_cast<int32_t>(p.size()), prompt.data(), 64, true, true)));
    using SamplerChain = lingbi::CHandle<llama_sampler, llama_sampler_free>;
    SamplerChain chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(40));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(0.95f, 1));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(0.8f));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(42));
    auto t0 = Clock::now();
    if (llama_decode(ctx.get(), llama_batch_get_one(prompt.data(), static_cast<int32_t>(prompt.size()))) != 0)
      throw lingbi::Error("llama_decode failed on the prompt");
    const double prompt_s = since(t0);
    t0 = Clock::now();
    for (int i = 0; i < count; ++i) {
      llama_token t = llama_sampler_sample(chain.get(), ctx.get(), -1);
      if (llama_decode(ctx.get(), llama_batch_get_one(&t, 1)) != 0) throw lingbi::Error("llama_decode failed");
    }
    return {prompt_s, static_cast<int>(prompt.size()), since(t0)};
  }
};

// (c): llama.cpp and mtmd alone, the same work without the pipeline around it.
json run_floor(int generate, const std::vector<std::string>& pictures) {
  Floor f;
  const int n_batch = static_cast<int>(llama_n_batch(f.ctx.get()));
  // Each picture once: mtmd encodes it, the model evaluates its tokens (a fresh sequence each).
  double encode_s = 0, decode_s = 0;
  int image_tokens = 0;
  for (const std::string& path : pictures) {
    llama_memory_clear(llama_get_memory(f.ctx.get()), true);
    auto w = mtmd_helper_bitmap_init_from_file(f.mtmd.get(), path.c_str(), false, mtmd_helper_init_opt_default());
    lingbi::model_detail::MtmdBitmapPtr bitmap(w.bitmap);
    if (!bitmap) throw lingbi::Error("mtmd cannot read " + path);
    lingbi::model_detail::MtmdChunksPtr chunks(mtmd_input_chunks_init());
    const std::string marker = mtmd_default_marker();
    mtmd_input_text text{marker.c_str(), marker.size(), false, true};
    const mtmd_bitmap* raw = bitmap.get();
    if (mtmd_tokenize(f.mtmd.get(), chunks.get(), &text, &raw, 1) != 0) throw lingbi::Error("mtmd_tokenize failed");
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks.get()); ++i) {
      const mtmd_input_chunk* chunk = mtmd_input_chunks_get(chunks.get(), i);
      if (mtmd_input_chunk_get_type(chunk) != MTMD_INPUT_CHUNK_TYPE_IMAGE) continue;
      auto t0 = Clock::now();
      if (mtmd_encode_chunk(f.mtmd.get(), chunk) != 0) throw lingbi::Error("mtmd could not encode " + path);
      encode_s += since(t0);
      t0 = Clock::now();
      llama_pos pos = 0;
      if (mtmd_helper_decode_image_chunk(f.mtmd.get(), f.ctx.get(), chunk, mtmd_get_output_embd(f.mtmd.get()), 0, 0,
                                         n_batch, &pos, nullptr, nullptr) != 0)
        throw lingbi::Error("llama.cpp could not evaluate the picture " + path);
      decode_s += since(t0);
      image_tokens += static_cast<int>(mtmd_input_chunk_get_n_tokens(chunk));
    }
  }
  const auto [prompt_s, prompt_tokens, gen_s] = f.generate(generate);
  return {{"wall_s", encode_s + decode_s + prompt_s + gen_s},
          {"stages",
           {{"pictures", {{"s", encode_s + decode_s}, {"encode_s", encode_s}, {"evaluate_s", decode_s},
                          {"images", pictures.size()}, {"evaluated", image_tokens}}},
            {"generate", {{"s", prompt_s + gen_s}, {"evaluated", prompt_tokens}, {"generated", generate}}}}},
          {"evaluated", image_tokens + prompt_tokens},
          {"generated", generate},
          {"reused", 0}};
}

// The speed probe run before and after each variant: the same 32 tokens generated by llama.cpp
// alone. The host can change speed severalfold within a run; the probes show whether it did.
constexpr int kProbeTokens = 32;
json run_probe() {
  Floor f;
  const auto [prompt_s, prompt_tokens, gen_s] = f.generate(kProbeTokens);
  (void)prompt_s, (void)prompt_tokens;
  return {{"ms_per_token", 1000.0 * gen_s / kProbeTokens}};
}

void build_gallery(const fs::path& dir) {
  lingbi::ensure_vips();
  const std::string size = env("LINGBI_BENCH_PICTURE", "448x336");
  const int w = std::stoi(size.substr(0, size.find('x'))), h = std::stoi(size.substr(size.find('x') + 1));
  for (int i = 0; i < 200; ++i)
    lingbi::dev::save_picture(lingbi::dev::make_picture(i, w, h), dir / "pictures" / ("p" + std::to_string(i) + ".jpg"));
  auto embedder = lingbi::load_clip_embedder(env("LINGBI_BENCH_CLIP", LINGBI_BENCH_TINY_DIR "/clip.gguf"), threads());
  auto gallery = lingbi::Gallery::open_for((dir / "gallery").string(), *embedder);
  lingbi::IndexOptions o;
  o.roots = {(dir / "pictures").string()};
  o.threads = threads();
  o.progress = false;
  gallery->index(*embedder, o);
}

void print_run(const char* name, const json& r) {
  std::printf("\n%s: %.1f s wall, %d prompt tokens evaluated (%d reused), %d generated, peak %.0f MB\n", name,
              r["wall_s"].get<double>(), r["evaluated"].get<int>(), r["reused"].get<int>(), r["generated"].get<int>(),
              r["peak_mb"].get<double>());
  std::printf("  %-10s %8s %8s %9s %9s %6s %9s\n", "stage", "requests", "time s", "evaluated", "generated", "images",
              "gen tok/s");
  for (const auto& [stage, s] : r["stages"].items()) {
    const double t = s.value("s", 0.0);
    const int gen = s.value("generated", 0);
    std::printf("  %-10s %8d %8.1f %9d %9d %6d %9.1f\n", stage.c_str(), s.value("requests", 1), t,
                s.value("evaluated", 0), gen, s.value("images", 0), t > 0 ? gen / t : 0.0);
  }
}

int run_all() {
  char pattern[] = "/tmp/lingbi-bench-article-XXXXXX";
  const fs::path dir = mkdtemp(pattern);
  struct Cleanup {
    fs::path d;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup{dir};
  fs::create_directories(dir / "pictures");
  std::printf("model %s\nmmproj %s\nthreads %d, %d words, %d pictures, the selector reads the %s\n",
              model_path().c_str(), mmproj_path().c_str(), threads(), env_int("LINGBI_BENCH_WORDS", 1500),
              env_int("LINGBI_BENCH_IMAGES", 5), env("LINGBI_BENCH_SELECT", "passage").c_str());
  build_gallery(dir);
  // LINGBI_BENCH_VARIANTS: "abc" (default), or "ac" to leave out (b), the longest, when only (a)/(c)
  // is wanted.
  const std::string variants = env("LINGBI_BENCH_VARIANTS", "abc");
  std::vector<double> probes;
  auto probe = [&] {
    probes.push_back(lingbi::bench::run_self({"--variant", "probe", dir.string()}, dir / "probe.json")["ms_per_token"]);
    std::printf("speed probe: %.1f ms per token\n", probes.back());
  };
  probe();
  const json a = lingbi::bench::run_self({"--variant", "compose", dir.string()}, dir / "a.json");
  print_run("(a) compose", a);
  probe();
  json b;
  if (variants.find('b') != std::string::npos) {
    b = lingbi::bench::run_self({"--variant", "reread", dir.string()}, dir / "b.json");
    print_run("(b) reread", b);
    probe();
  }
  json floor_args = {{"generate", a["generated"]}, {"pictures", a["pictures"]}};
  std::ofstream(dir / "floor-input.json") << floor_args.dump();
  const json c = lingbi::bench::run_self({"--variant", "floor", (dir / "floor-input.json").string()}, dir / "c.json");
  print_run("(c) floor", c);
  probe();
  // (a) again after (c): the same seed, so the same work, at the host's speed after (c).
  json a2;
  double a_wall = a["wall_s"].get<double>();
  if (std::count(variants.begin(), variants.end(), 'a') > 1) {
    a2 = lingbi::bench::run_self({"--variant", "compose", dir.string()}, dir / "a2.json");
    print_run("(a) compose, again after (c)", a2);
    probe();
    if (a2["generated"] != a["generated"] || a2["evaluated"] != a["evaluated"])
      std::printf("NOTE: the second (a) did other work than the first (%d generated, %d evaluated)\n",
                  a2["generated"].get<int>(), a2["evaluated"].get<int>());
    a_wall = (a_wall + a2["wall_s"].get<double>()) / 2;
    std::printf("\n(a) before and after (c): %.1f s and %.1f s, mean %.1f s\n", a["wall_s"].get<double>(),
                a2["wall_s"].get<double>(), a_wall);
  }
  const double ac = a_wall / c["wall_s"].get<double>();
  std::printf("\n(a)/(c) wall time: %.2fx (goal <= 1.1x)%s\n", ac,
              a2.is_null() ? "" : ", (a) the mean of its runs before and after (c)");
  double ba = 0, tokens_ba = 0;
  if (!b.is_null()) {
    ba = b["wall_s"].get<double>() / a_wall;
    tokens_ba = b["evaluated"].get<double>() / a["evaluated"].get<double>();
    std::printf("(b)/(a) wall time: %.2fx, prompt tokens evaluated: %.2fx\n", ba, tokens_ba);
  }
  // The probes before and after each variant: the same work, so their spread is the host's drift.
  const auto [lo, hi] = std::minmax_element(probes.begin(), probes.end());
  std::printf("speed probes (ms per token, in order):");
  for (double p : probes) std::printf(" %.1f", p);
  std::printf("; spread %.2fx\n", *hi / *lo);
  if (*hi > 1.2 * *lo)
    std::printf("WARNING: the machine's speed changed by %.2fx during the run; the wall-time ratios measure "
                "that, not the flows: compare the token counts, or rerun on a host that holds its speed\n",
                *hi / *lo);
  const std::string out = env("LINGBI_BENCH_JSON", "");
  if (!out.empty()) {
    std::ofstream(out) << json{{"compose", a},           {"compose_again", a2},
                               {"reread", b},            {"floor", c},
                               {"a_over_c", ac},         {"b_over_a", ba},
                               {"b_over_a_tokens", tokens_ba}, {"probes_ms_per_token", probes}}
                              .dump(2);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 5 && std::string(argv[1]) == "--variant") {
      const std::string variant = argv[2];
      json r;
      if (variant == "probe") {
        r = run_probe();
      } else if (variant == "floor") {
        const json in = json::parse(std::ifstream(argv[3]));
        r = run_floor(in["generate"].get<int>(), in["pictures"].get<std::vector<std::string>>());
      } else {
        r = run_compose(argv[3], variant == "compose");
      }
      std::ofstream(argv[4]) << r.dump();
      return 0;
    }
    lingbi::bench::wait_as_lingbi_does();  // the children's model threads wait as the CLI's do
    return run_all();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_article: %s\n", e.what());
    return 1;
  }
}

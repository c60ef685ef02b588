// KV prefix reuse in LocalModel: six questions about one ~2,000-token article, asked one after
// another with reuse (the article stays in the KV cache) and without it (the cache is cleared
// before each question), side by side in one run. Reports the ratio of prompt tokens evaluated
// and of wall time (fresh / reused).
//
// Model: $LINGBI_BENCH_MODEL, default the tiny random-weight model in the build tree (run
// lingbi-dev make-tiny-models first, or build the tests). Threads: $LINGBI_BENCH_THREADS (default 1).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "lingbi/model/local_model.h"

namespace {

std::string article(int words) {
  static const char* vocab[] = {"river",  "stone",  "light",   "garden", "market", "window",
                                "winter", "harbor", "lantern", "forest", "bridge", "morning",
                                "paper",  "copper", "orchard", "valley"};
  std::string s;
  uint32_t x = 2024;
  for (int i = 0; i < words; ++i) {
    x = x * 1103515245u + 12345u;
    s += vocab[(x >> 16) % 16];
    s += (i % 14 == 13) ? ".\n" : " ";
  }
  return s;
}

const char* kQuestions[6] = {
    "What is the article about?", "Who are the people in it?",        "Where does it happen?",
    "Suggest a title.",           "Which paragraph needs a picture?", "Summarise it in one line."};

lingbi::ChatRequest question(const std::string& text, int i) {
  lingbi::ChatRequest r;
  r.messages = {lingbi::Message::system("You answer questions about this article.\n\n" + text),
                lingbi::Message::user(kQuestions[i])};
  r.sampling.seed = 1;
  r.sampling.max_tokens = 8;
  return r;
}

void BM_SixQuestionsWithAndWithoutReuse(benchmark::State& state) {
  lingbi::LocalModelOptions o;
  const char* model = std::getenv("LINGBI_BENCH_MODEL");
  o.model = model ? model : LINGBI_DEFAULT_BENCH_MODEL;
  const char* threads = std::getenv("LINGBI_BENCH_THREADS");
  o.threads = threads ? std::atoi(threads) : 1;
  o.context = 4096;
  lingbi::LocalModel m(o);
  const std::string text = article(1800);
  double eval_reuse = 0, eval_fresh = 0, ms_reuse = 0, ms_fresh = 0, prompt_tokens = 0;
  using Clock = std::chrono::steady_clock;
  for (auto _ : state) {
    m.clear_cache();
    auto t0 = Clock::now();
    for (int i = 0; i < 6; ++i) eval_reuse += m.chat(question(text, i)).tokens.prompt_evaluated;
    ms_reuse += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    t0 = Clock::now();
    for (int i = 0; i < 6; ++i) {
      m.clear_cache();
      const auto res = m.chat(question(text, i));
      eval_fresh += res.tokens.prompt_evaluated;
      prompt_tokens += res.tokens.prompt_total();
    }
    ms_fresh += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["prompt_tokens_per_question"] = prompt_tokens / n / 6;
  state.counters["evaluated_reuse"] = eval_reuse / n;
  state.counters["evaluated_fresh"] = eval_fresh / n;
  state.counters["evaluated_ratio"] = eval_fresh / eval_reuse;
  state.counters["ms_reuse"] = ms_reuse / n;
  state.counters["ms_fresh"] = ms_fresh / n;
  state.counters["time_ratio"] = ms_fresh / ms_reuse;
}

BENCHMARK(BM_SixQuestionsWithAndWithoutReuse)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

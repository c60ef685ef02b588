// Constrained decoding (issue 17 item 3): the time per generated token with and without a JSON
// schema's grammar, side by side in one run, on the model in $LINGBI_BENCH_MODEL (default: the
// tiny model, which has Qwen2's real 151,646-token vocabulary, so a grammar pass over it costs what
// it costs on the real model; its random weights make the sampled token break the grammar far more
// often than a trained model's). Threads: $LINGBI_BENCH_THREADS (default 1).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "lingbi/model/local_model.h"

namespace {

const char* kSchema = R"({"type": "object", "properties": {
  "title": {"type": "string"},
  "paragraphs": {"type": "array", "items": {"type": "string"}}},
  "required": ["title", "paragraphs"]})";

lingbi::LocalModel& model() {
  static lingbi::LocalModel m([] {
    lingbi::LocalModelOptions o;
    const char* path = std::getenv("LINGBI_BENCH_MODEL");
    o.model = path ? path : LINGBI_DEFAULT_BENCH_MODEL;
    const char* threads = std::getenv("LINGBI_BENCH_THREADS");
    o.threads = threads ? std::atoi(threads) : 1;
    o.context = 4096;
    return o;
  }());
  return m;
}

void run(benchmark::State& state, bool schema) {
  double ms = 0, tokens = 0;
  uint32_t seed = 1;
  for (auto _ : state) {
    lingbi::ChatRequest r;
    r.messages = {lingbi::Message::user("Write an article about a harbour town at dawn, as JSON.")};
    if (schema) r.json_schema = kSchema;
    r.sampling.seed = seed++;
    r.sampling.max_tokens = static_cast<int>(state.range(0));
    const lingbi::ChatResult res = model().chat(r);
    ms += res.generation_ms;
    tokens += res.tokens.generated;
  }
  state.counters["ms_per_token"] = ms / tokens;
  state.counters["tokens"] = tokens / static_cast<double>(state.iterations());
}

void BM_FreeText(benchmark::State& state) { run(state, false); }
void BM_JsonSchema(benchmark::State& state) { run(state, true); }

BENCHMARK(BM_FreeText)->Arg(200)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JsonSchema)->Arg(200)->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace

// Constrained decoding (issue 17 item 3): the time per generated token with and without a JSON
// schema's grammar, side by side in one run, on the model in $LINGBI_BENCH_MODEL (default: the
// tiny model, which has Qwen2's real 151,646-token vocabulary, so a grammar pass over it costs what
// it costs on the real model; its random weights make the sampled token break the grammar far more
// often than a trained model's). Threads: $LINGBI_BENCH_THREADS (default 1). Free text and the
// schema alternate within the one benchmark, so the ratio is measured on the same machine state.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <utility>

#include "lingbi/model/local_model.h"

namespace {

// Two schemas: 0, mostly strings (a title and paragraphs), where nearly any token the model samples
// keeps the grammar; 1, structure like compose's plan and selection (short fields, arrays of
// objects, an enum), where a random model's sampled token is mostly rejected and the grammar then
// runs over the whole vocabulary.
const char* kSchemas[] = {
    R"({"type": "object", "properties": {
  "title": {"type": "string"},
  "paragraphs": {"type": "array", "items": {"type": "string"}}},
  "required": ["title", "paragraphs"]})",
    R"({"type": "object", "properties": {
  "title": {"type": "string", "maxLength": 40},
  "sections": {"type": "array", "items": {"type": "object", "properties": {
    "heading": {"type": "string", "maxLength": 30},
    "words": {"type": "integer"},
    "tone": {"enum": ["calm", "lively", "warm"]},
    "points": {"type": "array", "items": {"type": "string", "maxLength": 20}}},
    "required": ["heading", "words", "tone", "points"]}}},
  "required": ["title", "sections"]})"};

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

// One answer of up to `max_tokens`, free (schema null) or with the schema: its generation time and
// token count.
std::pair<double, int> answer(const char* schema, uint32_t seed, int max_tokens) {
  lingbi::ChatRequest r;
  r.messages = {lingbi::Message::user("Write an article about a harbour town at dawn, as JSON.")};
  if (schema) r.json_schema = schema;
  r.sampling.seed = seed;
  r.sampling.max_tokens = max_tokens;
  const lingbi::ChatResult res = model().chat(r);
  return {res.generation_ms, res.tokens.generated};
}

// Free text and the schema alternate (free first in odd iterations, the schema first in even
// ones), so that a machine whose speed drifts during the run slows both alike and the ratio holds.
void BM_FreeAgainstSchema(benchmark::State& state) {
  double ms[2] = {0, 0}, tokens[2] = {0, 0};
  uint32_t seed = 1;
  int iteration = 0;
  for (auto _ : state) {
    for (int k = 0; k < 2; ++k) {
      const bool schema = (k == 1) == (iteration % 2 == 0);
      const auto [t, n] = answer(schema ? kSchemas[state.range(1)] : nullptr, seed, static_cast<int>(state.range(0)));
      ms[schema] += t;
      tokens[schema] += n;
    }
    ++seed;
    ++iteration;
  }
  state.counters["free_ms_per_token"] = ms[0] / tokens[0];
  state.counters["json_ms_per_token"] = ms[1] / tokens[1];
  state.counters["json_over_free"] = (ms[1] / tokens[1]) / (ms[0] / tokens[0]);
  state.counters["free_tokens"] = tokens[0] / static_cast<double>(state.iterations());
  state.counters["json_tokens"] = tokens[1] / static_cast<double>(state.iterations());
}

// Args: tokens per answer, schema (0: strings, 1: structure).
BENCHMARK(BM_FreeAgainstSchema)->Args({200, 0})->Args({200, 1})->Iterations(5)->Unit(benchmark::kMillisecond);

}  // namespace

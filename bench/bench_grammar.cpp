// Constrained decoding (issue 17 item 3): the time per generated token with and without a JSON
// schema's grammar, side by side in one run, on the model in $LINGBI_BENCH_MODEL (default: the
// tiny model, which has Qwen2's real 151,646-token vocabulary, so a grammar pass over it costs what
// it costs on the real model; its random weights make the sampled token break the grammar far more
// often than a trained model's). Threads: $LINGBI_BENCH_THREADS (default 1). Three ways take turns
// within the one benchmark, so the ratios are measured on the same machine state: free text, the
// schema through lingbi's grammar filter (what LocalModel does), and the schema through llama.cpp's
// common sampler with its own grammar (the baseline, LocalModelOptions::llama_cpp_grammar).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "common.h"
#include "json-schema-to-grammar.h"
#include "lingbi/model/local_model.h"
#include "model/grammar_filter.h"
#include "bench_support.h"

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

lingbi::LocalModelOptions options(bool llama_cpp_grammar) {
  lingbi::LocalModelOptions o;
  o.model = lingbi::bench::env("LINGBI_BENCH_MODEL", LINGBI_DEFAULT_BENCH_MODEL);
  o.threads = lingbi::bench::env_int("LINGBI_BENCH_THREADS", 1);
  o.context = 4096;
  o.llama_cpp_grammar = llama_cpp_grammar;
  return o;
}

// 0: lingbi's filter (and free text); 1: llama.cpp's grammar.
lingbi::LocalModel& model(int way) {
  static lingbi::LocalModel ours(options(false));
  static lingbi::LocalModel theirs(options(true));
  return way == 0 ? ours : theirs;
}

// One answer of up to `max_tokens`, free (schema null) or with the schema: its generation time and
// token count.
std::pair<double, int> answer(int way, const char* schema, uint32_t seed, int max_tokens) {
  lingbi::ChatRequest r;
  r.messages = {lingbi::Message::user("Write an article about a harbour town at dawn, as JSON.")};
  if (schema) r.json_schema = schema;
  r.sampling.seed = seed;
  r.sampling.max_tokens = max_tokens;
  const lingbi::ChatResult res = model(way).chat(r);
  return {res.generation_ms, res.tokens.generated};
}

// The three ways take turns (free, lingbi's filter, llama.cpp's grammar; the first way moves
// along by one each iteration), so that a machine whose speed drifts during the run slows each
// alike and the ratios hold.
void BM_FreeAgainstSchema(benchmark::State& state) {
  double ms[3] = {0, 0, 0}, tokens[3] = {0, 0, 0};
  uint32_t seed = 1;
  int iteration = 0;
  for (auto _ : state) {
    for (int k = 0; k < 3; ++k) {
      const int way = (k + iteration) % 3;  // 0 free, 1 lingbi's filter, 2 llama.cpp's grammar
      const auto [t, n] = answer(way == 2 ? 1 : 0, way == 0 ? nullptr : kSchemas[state.range(1)], seed,
                                 static_cast<int>(state.range(0)));
      ms[way] += t;
      tokens[way] += n;
    }
    ++seed;
    ++iteration;
  }
  const double free = ms[0] / tokens[0], ours = ms[1] / tokens[1], theirs = ms[2] / tokens[2];
  state.counters["free_ms_per_token"] = free;
  state.counters["json_ms_per_token"] = ours;
  state.counters["llama_json_ms_per_token"] = theirs;
  state.counters["json_over_free"] = ours / free;
  state.counters["llama_json_over_free"] = theirs / free;
  state.counters["free_tokens"] = tokens[0] / static_cast<double>(state.iterations());
  state.counters["json_tokens"] = tokens[1] / static_cast<double>(state.iterations());
  state.counters["llama_json_tokens"] = tokens[2] / static_cast<double>(state.iterations());
}

// The pass itself: at every position of a valid answer to the structured schema (tokenized as the
// vocabulary spells it), llama.cpp's grammar over the whole vocabulary against lingbi's filter,
// each timed alone; both then take the answer's token. Also the trie's one-time build.
void BM_VocabularyPass(benchmark::State& state) {
  llama_model_params mp = llama_model_default_params();
  mp.vocab_only = true;
  lingbi::CHandle<llama_model, llama_model_free> vocab_model(
      llama_model_load_from_file(lingbi::bench::env("LINGBI_BENCH_MODEL", LINGBI_DEFAULT_BENCH_MODEL).c_str(), mp));
  const llama_vocab* vocab = llama_model_get_vocab(vocab_model.get());
  const auto t0 = std::chrono::steady_clock::now();
  const lingbi::model_detail::TokenTrie trie(vocab);
  const double build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const std::string grammar = json_schema_to_grammar(common_json::parse(kSchemas[1]));
  const auto answer = common_tokenize(vocab,
      R"({"title": "A harbour at dawn", "sections": [{"heading": "Boats", "words": 120, "tone": "calm", )"
      R"("points": ["nets", "gulls at first light"]}, {"heading": "盐与风", "words": 80, "tone": "warm", "points": []}]})",
      false, false);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  std::vector<llama_token_data> cur(static_cast<size_t>(n_vocab));
  auto fill = [&] {
    for (int t = 0; t < n_vocab; ++t) cur[static_cast<size_t>(t)] = {t, 0.0f, 0.0f};
    return llama_token_data_array{cur.data(), cur.size(), -1, false};
  };
  double ms[2] = {0, 0};
  size_t passes = 0;
  for (auto _ : state) {
    lingbi::model_detail::GrammarFilter filter(vocab, trie, grammar);
    lingbi::CHandle<llama_grammar, llama_grammar_free_impl> reference(
        llama_grammar_init_impl(vocab, grammar.c_str(), "root", false, nullptr, 0, nullptr, 0));
    for (const llama_token t : answer) {
      for (int way = 0; way < 2; ++way) {
        auto cur_p = fill();
        const auto start = std::chrono::steady_clock::now();
        if (way == 0) {
          llama_grammar_apply_impl(*reference, &cur_p);
        } else {
          filter.restrict(cur_p);
        }
        ms[way] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        benchmark::DoNotOptimize(cur.data());
      }
      ++passes;
      llama_grammar_accept_impl(*reference, t);
      filter.accept(t);
    }
  }
  state.counters["llama_ms_per_pass"] = ms[0] / static_cast<double>(passes);
  state.counters["lingbi_ms_per_pass"] = ms[1] / static_cast<double>(passes);
  state.counters["llama_over_lingbi"] = ms[0] / ms[1];
  state.counters["positions"] = static_cast<double>(answer.size());
  state.counters["trie_build_ms"] = build_ms;
  state.counters["trie_nodes"] = static_cast<double>(trie.n_nodes());
}
BENCHMARK(BM_VocabularyPass)->Iterations(2)->Unit(benchmark::kMillisecond);

// Args: tokens per answer, schema (0: strings, 1: structure).
BENCHMARK(BM_FreeAgainstSchema)->Args({200, 0})->Args({200, 1})->Iterations(6)->Unit(benchmark::kMillisecond);

}  // namespace

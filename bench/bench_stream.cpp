// Streaming an answer (issue 17 item 4): what a generated token costs the stream, at 200 and at
// 4,000 tokens into the answer, side by side: AnswerStream (parses until the answer settles, then
// passes it on as it comes) and the way before it (llama.cpp's chat parser over the whole text at
// every token). The parser is the real one, for the chat template of the model in
// $LINGBI_BENCH_MODEL (default: the tiny Qwen2-template model in the build tree), with reasoning
// split as LocalModel asks (DeepSeek style); the answer opens with a short <think> block.
// Reports the time per token over the last 100 tokens of each length.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "chat.h"
#include "llama.h"
#include "model/text_stream.h"

namespace {

using lingbi::model_detail::AnswerStream;

struct Parser {
  std::unique_ptr<llama_model, decltype(&llama_model_free)> model{nullptr, llama_model_free};
  common_chat_templates_ptr templates;
  common_chat_params chat;
  common_chat_parser_params params;

  Parser() {
    const char* env = std::getenv("LINGBI_BENCH_MODEL");
    const std::string path = env ? env : LINGBI_DEFAULT_BENCH_MODEL;
    llama_model_params mp = llama_model_default_params();
    mp.vocab_only = true;
    model.reset(llama_model_load_from_file(path.c_str(), mp));
    if (!model) throw std::runtime_error("cannot load " + path);
    templates = common_chat_templates_init(model.get(), "");
    common_chat_templates_inputs in;
    common_chat_msg m;
    m.role = "user";
    m.content = "Write about the harbour.";
    in.messages = {m};
    in.add_generation_prompt = true;
    in.use_jinja = true;
    in.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    chat = common_chat_templates_apply(templates.get(), in);
    params = common_chat_parser_params(chat);
    params.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    if (!chat.parser.empty()) params.parser.load(chat.parser);
  }
  std::string answer(const std::string& raw) const { return common_chat_parse(raw, true, params).content; }
};

const Parser& parser() {
  static Parser p;
  return p;
}

// The i-th generated piece: a short reasoning block first, then words of an answer (some Chinese).
std::string piece(int i) {
  static const char* words[] = {" harbour", " lantern", " 晨光", " boats", " 码头", " tide", " gulls", "."};
  if (i == 0) return "<think>";
  if (i < 6) return " considering";
  if (i == 6) return "</think>\n\n";
  return words[i % 8];
}

// Generates `tokens` pieces into a stream; times the last 100.
template <typename Add>
double ns_per_token_at_end(int tokens, Add&& add) {
  for (int i = 0; i < tokens - 100; ++i) add(piece(i));
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = tokens - 100; i < tokens; ++i) add(piece(i));
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / 100;
}

void BM_AnswerStream(benchmark::State& state) {
  const Parser& p = parser();
  const int tokens = static_cast<int>(state.range(0));
  double ns = 0;
  for (auto _ : state) {
    size_t shown = 0;
    AnswerStream stream({"<|im_end|>"}, [&](const std::string& raw) { return p.answer(raw); },
                        [&](std::string_view s) { shown += s.size(); });
    ns = ns_per_token_at_end(tokens, [&](const std::string& s) { stream.add(s); });
    benchmark::DoNotOptimize(shown);
  }
  state.counters["us_per_token"] = ns / 1000;
}

// Before: the whole text parsed at every token.
void BM_ParseEveryToken(benchmark::State& state) {
  const Parser& p = parser();
  const int tokens = static_cast<int>(state.range(0));
  double ns = 0;
  for (auto _ : state) {
    std::string raw;
    size_t shown = 0;
    ns = ns_per_token_at_end(tokens, [&](const std::string& s) {
      raw += s;
      shown = p.answer(raw).size();
    });
    benchmark::DoNotOptimize(shown);
  }
  state.counters["us_per_token"] = ns / 1000;
}

BENCHMARK(BM_AnswerStream)->Arg(200)->Arg(4000)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseEveryToken)->Arg(200)->Arg(4000)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

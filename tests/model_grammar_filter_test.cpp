// lingbi's grammar filter (issue 17 item 3) allows exactly the tokens llama.cpp's own grammar pass
// allows, at every step of answers to structure-heavy schemas in English and Chinese, on Qwen2's
// real 151k-token vocabulary (the tiny model's); and an answer sampled with it is token for token
// the answer llama.cpp's common sampler gives with its own grammar, for the same seed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <utility>
#include <string>
#include <vector>

#include "common.h"
#include "json-schema-to-grammar.h"
#include "lingbi/model/local_model.h"
#include "lingbi/util/error.h"
#include "model/grammar_filter.h"
#include "model_support.h"

namespace lingbi {
namespace {

using model_detail::GrammarFilter;
using model_detail::TokenTrie;

// Short strings (maxLength: each character position its own grammar state), integers, enums
// (Chinese ones: tokens that end mid-character), arrays of objects.
const char* kPlanSchema = R"({"type": "object", "properties": {
  "title": {"type": "string", "maxLength": 12},
  "sections": {"type": "array", "items": {"type": "object", "properties": {
    "heading": {"type": "string", "maxLength": 8},
    "words": {"type": "integer"},
    "tone": {"enum": ["calm", "lively", "warm"]},
    "points": {"type": "array", "items": {"type": "string", "maxLength": 6}, "maxItems": 2}},
    "required": ["heading", "words", "tone", "points"]}, "maxItems": 3}},
  "required": ["title", "sections"]})";
const char* kChineseSchema = R"({"type": "object", "properties": {
  "标题": {"type": "string", "maxLength": 10},
  "语气": {"enum": ["平静", "热烈", "温暖的晨光"]},
  "要点": {"type": "array", "items": {"type": "string", "maxLength": 5}, "minItems": 1, "maxItems": 3}},
  "required": ["标题", "语气", "要点"]})";

struct VocabModel {
  VocabModel() {
    llama_model_params mp = llama_model_default_params();
    mp.vocab_only = true;
    handle.reset(llama_model_load_from_file((test::tiny_models() / "llm.gguf").c_str(), mp));
    model = handle.get();
  }
  CHandle<llama_model, llama_model_free> handle;
  llama_model* model = nullptr;
};

std::vector<bool> allowed(const std::vector<llama_token_data>& cur) {
  std::vector<bool> a(cur.size());
  for (size_t i = 0; i < cur.size(); ++i) a[static_cast<size_t>(cur[i].id)] = cur[i].logit != -INFINITY;
  return a;
}

struct Steps {
  int compared = 0;
  int split = 0;   // a character split across the last token and the next
  int walked = 0;  // the filter walked its trie (not llama.cpp's pass)
};

// Steps through an answer, choosing at random among the tokens the grammar allows, and compares
// the filter's set with llama.cpp's at every step.
Steps compare_along_an_answer(const char* schema, uint32_t seed, int steps) {
  static VocabModel m;
  EXPECT_NE(m.model, nullptr);
  const llama_vocab* vocab = llama_model_get_vocab(m.model);
  static TokenTrie trie(vocab);
  const std::string grammar = json_schema_to_grammar(common_json::parse(schema));
  GrammarFilter filter(vocab, trie, grammar);
  CHandle<llama_grammar, llama_grammar_free_impl> reference(
      llama_grammar_init_impl(vocab, grammar.c_str(), "root", false, nullptr, 0, nullptr, 0));
  const int n_vocab = llama_vocab_n_tokens(vocab);
  std::mt19937 rng(seed);
  Steps seen;
  for (int step = 0; step < steps; ++step) {
    std::vector<llama_token_data> ours(static_cast<size_t>(n_vocab)), theirs;
    for (int t = 0; t < n_vocab; ++t) ours[static_cast<size_t>(t)] = {t, 0.0f, 0.0f};
    theirs = ours;
    llama_token_data_array ours_p{ours.data(), ours.size(), -1, false};
    llama_token_data_array theirs_p{theirs.data(), theirs.size(), -1, false};
    filter.restrict(ours_p);
    llama_grammar_apply_impl(*reference, &theirs_p);
    ++seen.compared;
    seen.split += reference->partial_utf8.n_remain != 0;
    seen.walked += filter.last_walked();
    const auto a = allowed(ours), b = allowed(theirs);
    size_t differ = 0;
    std::vector<llama_token> choices;
    for (size_t t = 0; t < a.size(); ++t) {
      differ += a[t] != b[t];
      if (b[t]) choices.push_back(static_cast<llama_token>(t));
    }
    EXPECT_EQ(differ, 0u) << "step " << step << " of schema " << schema;
    if (differ != 0 || choices.empty()) return seen;
    const llama_token next = choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(rng)];
    EXPECT_TRUE(filter.allows(next));
    filter.accept(next);
    llama_grammar_accept_impl(*reference, next);
    for (const auto& stack : reference->stacks) {
      if (stack.empty()) return seen;  // the answer is complete
    }
  }
  return seen;
}

TEST(GrammarFilter, AllowsWhatLlamaCppsGrammarAllows) {
  for (const char* schema : {kPlanSchema, kChineseSchema}) {
    Steps all;
    for (uint32_t seed = 1; seed <= 20 && all.compared < 120; ++seed) {
      const Steps s = compare_along_an_answer(schema, seed, 60);
      all.compared += s.compared;
      all.split += s.split;
      all.walked += s.walked;
    }
    std::printf("%d steps, %d after a split character, %d walked\n", all.compared, all.split, all.walked);
    EXPECT_GE(all.compared, 120);
    // The trie walk answered every step but those after a split character (llama.cpp's pass).
    EXPECT_EQ(all.walked, all.compared - all.split);
  }
}

TEST(GrammarFilter, RefusesATokenTheGrammarRefuses) {
  static VocabModel m;
  const llama_vocab* vocab = llama_model_get_vocab(m.model);
  TokenTrie trie(vocab);
  GrammarFilter filter(vocab, trie, json_schema_to_grammar(common_json::parse(kPlanSchema)));
  const auto brace = common_tokenize(vocab, "{", false, false);
  const auto word = common_tokenize(vocab, "hello", false, false);
  ASSERT_EQ(brace.size(), 1u);
  EXPECT_TRUE(filter.allows(brace[0]));
  EXPECT_FALSE(filter.allows(word[0]));
  EXPECT_THROW(filter.accept(word[0]), Error);
  EXPECT_THROW(GrammarFilter(vocab, trie, "root ::= ("), Error);
}

// The same seed gives the same answer through lingbi's filter and through llama.cpp's common
// sampler with its own grammar: the draws, not only the allowed sets, are llama.cpp's.
TEST(GrammarFilter, SamplesWhatLlamaCppsSamplerSamples) {
  auto answers = [](bool llama_cpp_grammar) {
    LocalModelOptions o;
    o.model = test::tiny_models() / "llm.gguf";
    o.threads = 1;
    o.context = 2048;
    o.llama_cpp_grammar = llama_cpp_grammar;
    LocalModel model(o);
    std::vector<std::string> texts;
    for (uint32_t seed : {3u, 4u, 5u}) {
      ChatRequest r;
      r.messages = {Message::user("Plan an article about a harbour town at dawn.")};
      r.json_schema = kPlanSchema;
      r.sampling.seed = seed;
      r.sampling.max_tokens = 120;
      texts.push_back(model.chat(r).text);
    }
    return texts;
  };
  const auto ours = answers(false), theirs = answers(true);
  ASSERT_EQ(ours.size(), theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_GT(ours[i].size(), 20u);
    EXPECT_EQ(ours[i], theirs[i]) << "seed " << i + 3;
  }
}

}  // namespace
}  // namespace lingbi

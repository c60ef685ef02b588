// LocalModel: sampling (with the schema's grammar), stop strings, streaming of the answer without
// its reasoning, and cancellation.
#include <algorithm>
#include <cctype>
#include <random>

#include "common.h"
#include "lingbi/model/json_schema.h"
#include "lingbi/util/error.h"
#include "local_model_impl.h"
#include "text_stream.h"

namespace lingbi {

using namespace model_detail;

namespace {

// The next token, drawn as llama.cpp's common sampler draws it under a grammar (rejection
// sampling): the first draw ignores the grammar; when the grammar refuses it, every refused
// candidate is ruled out and the sampler's chain draws again. `grammar` (lingbi's filter) rules
// them out in place of llama.cpp's own, slower pass; the draws are the same.
llama_token sample_next(common_sampler* smpl, GrammarFilter* grammar, llama_context* ctx, std::vector<llama_token_data>& cur) {
  const llama_token first = common_sampler_sample(smpl, ctx, -1);
  if (!grammar || grammar->allows(first)) return first;
  const float* logits = llama_get_logits_ith(ctx, -1);
  cur.resize(static_cast<size_t>(llama_vocab_n_tokens(llama_model_get_vocab(llama_get_model(ctx)))));
  for (size_t i = 0; i < cur.size(); ++i) cur[i] = {static_cast<llama_token>(i), logits[i], 0.0f};
  llama_token_data_array cur_p{cur.data(), cur.size(), -1, false};
  grammar->restrict(cur_p);
  llama_sampler_apply(common_sampler_get(smpl), &cur_p);
  if (cur_p.selected < 0) throw Error("sampling under the JSON schema's grammar selected no token");
  return cur_p.data[cur_p.selected].id;
}

}  // namespace

Sampler LocalModel::Impl::make_sampler(const ChatRequest& req, const Prompt& p) {
  common_params_sampling sp;
  const Sampling& s = req.sampling;
  std::optional<uint32_t> seed = s.seed ? s.seed : options.seed;
  sp.seed = seed ? *seed : static_cast<uint32_t>(std::random_device{}());
  sp.temp = s.temperature;
  sp.top_k = s.top_k;
  sp.top_p = s.top_p;
  sp.min_p = s.min_p;
  sp.penalty_repeat = s.repeat_penalty;
  sp.no_perf = true;
  Sampler result;
  // lingbi's filter takes the grammar of a JSON schema (llama.cpp's common sampler keeps a lazy
  // grammar, which waits for a trigger, and the one it is told to keep for comparison).
  const bool filter = !p.chat.grammar.empty() && !p.chat.grammar_lazy && !options.llama_cpp_grammar;
  try {
    if (filter) {
      if (!trie) trie = std::make_unique<TokenTrie>(vocab);
      result.grammar = std::make_unique<GrammarFilter>(vocab, *trie, p.chat.grammar);
      // As llama.cpp's common sampler does for an output format's grammar: the generation prompt,
      // which the template has already put in the prompt, is fed to the grammar first.
      const auto tokens = common_tokenize(vocab, p.chat.generation_prompt, false, true);
      for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string piece = common_token_to_piece(vocab, tokens[i], true);
        const bool leading_space = !piece.empty() && std::isspace(static_cast<unsigned char>(piece[0])) &&
                                   !std::isspace(static_cast<unsigned char>(p.chat.generation_prompt[0]));
        if (i == 0 && leading_space) continue;
        result.grammar->accept(tokens[i]);
      }
    } else if (!p.chat.grammar.empty()) {
      sp.grammar = common_grammar(COMMON_GRAMMAR_TYPE_OUTPUT_FORMAT, p.chat.grammar);
      sp.grammar_lazy = p.chat.grammar_lazy;
      sp.grammar_triggers = p.chat.grammar_triggers;
      sp.generation_prompt = p.chat.generation_prompt;
      for (const auto& t : p.chat.preserved_tokens) {
        auto ids = common_tokenize(vocab, t, false, true);
        if (ids.size() == 1) sp.preserved_tokens.insert(ids[0]);
      }
    }
    result.sampler.reset(common_sampler_init(model.get(), sp));
    if (!result.sampler) throw Error("cannot set up sampling (the JSON schema's grammar was rejected)");
    return result;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("cannot set up sampling for the JSON schema: ") + e.what());
  }
}

void LocalModel::Impl::generate(const ChatRequest& req, const Prompt& p, ChatResult& result) {
  const auto t0 = std::chrono::steady_clock::now();
  Sampler sampling = make_sampler(req, p);
  common_sampler* smpl = sampling.sampler.get();
  std::vector<llama_token_data> candidates;
  std::vector<std::string> stops = req.sampling.stop;
  stops.insert(stops.end(), p.chat.additional_stops.begin(), p.chat.additional_stops.end());

  common_chat_parser_params parse_params(p.chat);
  parse_params.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
  if (!p.chat.parser.empty()) parse_params.parser.load(p.chat.parser);
  auto parse = [&](const std::string& raw, bool partial) {
    try {
      return common_chat_parse(raw, partial, parse_params);
    } catch (const std::exception&) {
      common_chat_msg m;
      m.content = raw;
      return m;
    }
  };

  AnswerStream stream(stops, [&](const std::string& raw) { return parse(raw, true).content; }, req.on_text);
  result.finish = FinishReason::length;
  Batch batch(1, 0, 1);
  const int max_tokens = std::max(0, req.sampling.max_tokens);
  std::vector<llama_token> sampled;  // the answer's tokens, as the model spelled it
  while (result.tokens.generated < max_tokens) {
    if (req.cancel && req.cancel->load()) {
      result.finish = FinishReason::cancelled;
      break;
    }
    if (static_cast<int>(cached.size()) >= n_ctx) break;  // context full: length
    const llama_token tok = sample_next(smpl, sampling.grammar.get(), ctx.get(), candidates);
    common_sampler_accept(smpl, tok, true);
    if (llama_vocab_is_eog(vocab, tok)) {
      result.finish = FinishReason::stop;
      break;
    }
    if (sampling.grammar) sampling.grammar->accept(tok);
    ++result.tokens.generated;
    sampled.push_back(tok);
    if (stream.add(common_token_to_piece(ctx.get(), tok, false))) {
      result.finish = FinishReason::stop;
      break;
    }
    if (result.tokens.generated >= max_tokens) break;
    common_batch_clear(batch.get());
    common_batch_add(batch.get(), tok, static_cast<llama_pos>(cached.size()), {0}, true);
    const int rc = llama_decode(ctx.get(), batch.get());
    if (rc == 2) {
      result.finish = FinishReason::cancelled;
      break;
    }
    if (rc != 0) throw Error("llama.cpp failed to evaluate a generated token (error " + std::to_string(rc) + ")");
    cached.push_back(static_cast<uint64_t>(tok));
  }
  // The whole text parsed once more, finished: the answer and its reasoning as the result.
  common_chat_msg msg = parse(stream.raw(), result.finish == FinishReason::cancelled);
  stream.finish(msg.content);
  const std::string& emitted = stream.emitted();
  result.text = req.on_text && msg.content.compare(0, emitted.size(), emitted) != 0 ? emitted : msg.content;
  result.reasoning = msg.reasoning_content;
  // When the answer is exactly the sampled text, a later prompt quoting it gets these tokens back.
  if (result.text == stream.raw()) answers.remember(common_tokenize(vocab, result.text, false, true), sampled);
  result.generation_ms = ms_since(t0);
  // The grammar makes this hold; checked anyway so both backends keep the same promise.
  if (!req.json_schema.empty() && result.finish == FinishReason::stop && req.sampling.stop.empty()) {
    parse_and_validate(req.json_schema, result.text);
  }
}

}  // namespace lingbi

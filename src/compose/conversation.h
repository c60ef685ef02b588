// A conversation with one model that grows as the article is written, so that every later
// question shares its prefix with the one before and the model evaluates only the new tokens.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/article/article.h"
#include "lingbi/compose/compose.h"
#include "lingbi/model/model.h"

namespace lingbi::compose {

// An upper bound on the tokens of a JSON answer that satisfies `schema`: the longest text its
// bounds allow (maxLength, maxItems, enum values), two tokens per character at worst.
int max_answer_tokens(const nlohmann::json& schema);

class Conversation {
 public:
  // Requests are seeded `seed`, `seed + 1`, ... in order, so a run is reproducible. Token counts of
  // every request are added to `totals`, and each request is recorded in `log`.
  Conversation(ChatModel& model, uint32_t seed, TokenTotals& totals, std::vector<Exchange>& log);

  // Appends a message to the history that every later request starts with.
  void add(Message message);

  // Asks with the history as context. The question (and the answer) stay in the history only with
  // `keep`; side questions leave it as it was, so the next one shares the same prefix.
  ChatResult ask(std::vector<ContentPart> question, int max_tokens, float temperature, bool keep,
                 const std::function<void(std::string_view)>& on_text = nullptr);

  // A question whose answer must satisfy `schema`; returns the parsed answer. With `keep`, the
  // question and the answer stay in the history. The token limit follows from the schema's
  // bounds (max_answer_tokens), so every string and array in it needs maxLength or maxItems.
  nlohmann::json ask_json(std::vector<ContentPart> question, const nlohmann::json& schema, bool keep = false);

  ChatModel& model() { return model_; }
  // True once the history holds a message.
  bool has_history() const { return !history_.empty(); }

  // Names the stage that the next requests belong to, for Exchange::stage.
  void set_stage(std::string stage) { stage_ = std::move(stage); }

  // Every request watches `cancel`; one that was cancelled throws Interrupted.
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }

  // What a partial article keeps of the conversation: the history (text only: pictures are asked
  // about in side questions, never kept) and the seed of the next request. restore() puts both
  // back, so a resumed compose asks exactly what the interrupted one would have asked next.
  nlohmann::json save() const;
  void restore(const nlohmann::json& saved);

  // A follow-up exchange: while an Aside lives, questions asked with `keep` stay in the history, so
  // a follow-up sees the question before it (and its pictures) and the model evaluates only what is
  // new; when it ends, the history is as it was before it began.
  class Aside {
   public:
    explicit Aside(Conversation& c) : c_(c), mark_(c.history_.size()) {}
    ~Aside() { c_.history_.resize(mark_); }
    Aside(const Aside&) = delete;
    Aside& operator=(const Aside&) = delete;

   private:
    Conversation& c_;
    size_t mark_;
  };

 private:
  ChatResult run(std::vector<ContentPart> question, ChatRequest request, bool keep);

  ChatModel& model_;
  uint32_t next_seed_;
  TokenTotals& totals_;
  std::vector<Exchange>& log_;
  std::string stage_;
  std::vector<Message> history_;
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace lingbi::compose

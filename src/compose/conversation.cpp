#include "conversation.h"

#include <algorithm>

#include "lingbi/compose/text_stats.h"
#include "lingbi/util/error.h"

namespace lingbi::compose {

namespace {

// The longest JSON text `schema` allows, in characters.
int max_chars(const nlohmann::json& schema) {
  if (schema.contains("enum")) {
    size_t longest = 0;
    for (const auto& v : schema["enum"]) longest = std::max(longest, v.dump().size());
    return static_cast<int>(longest);
  }
  const std::string type = schema.value("type", "");
  if (type == "string") return schema.value("maxLength", 256) + 2;
  if (type == "integer" || type == "number") return 24;
  if (type == "boolean") return 5;
  if (type == "array") return 2 + schema.value("maxItems", 16) * (max_chars(schema.value("items", nlohmann::json::object())) + 2);
  if (type == "object") {
    int chars = 2;
    const nlohmann::json properties = schema.value("properties", nlohmann::json::object());
    for (const auto& [key, sub] : properties.items())
      chars += static_cast<int>(key.size()) + 6 + max_chars(sub);
    return chars;
  }
  return 64;
}

}  // namespace

int max_answer_tokens(const nlohmann::json& schema) { return 2 * max_chars(schema) + 32; }

Conversation::Conversation(ChatModel& model, uint32_t seed, TokenTotals& totals, std::vector<Exchange>& log)
    : model_(model), next_seed_(seed), totals_(totals), log_(log) {}

void Conversation::add(Message message) { history_.push_back(std::move(message)); }

ChatResult Conversation::run(std::vector<ContentPart> question, ChatRequest request, bool keep) {
  request.messages = history_;
  request.messages.push_back({Role::user, question});
  request.sampling.seed = next_seed_++;
  request.cancel = cancel_;
  if (cancel_ && cancel_->load()) throw Interrupted();
  ChatResult result = model_.chat(request);
  if (result.finish == FinishReason::cancelled) throw Interrupted();
  result.text = valid_utf8(result.text);
  totals_.prompt_evaluated += result.tokens.prompt_evaluated;
  totals_.prompt_reused += result.tokens.prompt_reused;
  totals_.generated += result.tokens.generated;
  Exchange exchange;
  exchange.stage = stage_;
  for (const ContentPart& part : question) {
    if (part.is_image()) ++exchange.images;
    else exchange.question += part.text;
  }
  exchange.kept = keep;
  exchange.tokens = result.tokens;
  log_.push_back(std::move(exchange));
  if (keep) {
    history_.push_back({Role::user, std::move(question)});
    history_.push_back(Message::assistant(result.text));
  }
  return result;
}

ChatResult Conversation::ask(std::vector<ContentPart> question, int max_tokens, float temperature, bool keep,
                             const std::function<void(std::string_view)>& on_text) {
  ChatRequest request;
  request.sampling.max_tokens = max_tokens;
  request.sampling.temperature = temperature;
  request.on_text = on_text;
  return run(std::move(question), std::move(request), keep);
}

nlohmann::json Conversation::ask_json(std::vector<ContentPart> question, const nlohmann::json& schema, bool keep) {
  const int max_tokens = max_answer_tokens(schema);
  ChatRequest request;
  request.sampling.max_tokens = max_tokens;
  request.sampling.temperature = 0.3f;
  request.json_schema = schema.dump();
  ChatResult result = run(std::move(question), std::move(request), keep);
  if (result.finish == FinishReason::length)
    throw Error("the model's structured answer did not finish within " + std::to_string(max_tokens) +
                " tokens (" + model_.describe() + ")");
  nlohmann::json answer = nlohmann::json::parse(result.text, nullptr, false);
  if (answer.is_discarded())
    throw Error("the model's structured answer is not JSON (" + model_.describe() + "): " + result.text.substr(0, 200));
  return answer;
}

nlohmann::json Conversation::save() const {
  nlohmann::json messages = nlohmann::json::array();
  for (const Message& m : history_) {
    std::string text;
    for (const ContentPart& part : m.parts) {
      if (part.is_image()) throw Error("internal: a kept message holds a picture and cannot be saved");
      text += part.text;
    }
    messages.push_back({{"role", role_name(m.role)}, {"text", text}});
  }
  return {{"next_seed", next_seed_}, {"messages", messages}};
}

void Conversation::restore(const nlohmann::json& saved) {
  if (!saved.is_object() || !saved.contains("next_seed") || !saved["next_seed"].is_number_unsigned() ||
      !saved.contains("messages") || !saved["messages"].is_array())
    throw Error("the saved conversation is malformed: expected next_seed and messages");
  history_.clear();
  for (const nlohmann::json& m : saved["messages"]) {
    const std::string role = m.value("role", "");
    const Role r = role == "system" ? Role::system : role == "assistant" ? Role::assistant : Role::user;
    if (role != "system" && role != "assistant" && role != "user")
      throw Error("the saved conversation has a message with role \"" + role + "\"");
    history_.push_back({r, {ContentPart::of_text(m.value("text", ""))}});
  }
  next_seed_ = saved["next_seed"].get<uint32_t>();
}

}  // namespace lingbi::compose

// /v1/models and /v1/chat/completions: OpenAI's chat API on the server's model. A chat is an
// internal job on the queue that runs composes, so it waits its turn and never runs beside one on
// the model. Its answer goes back as one chat.completion, or streamed as chat.completion.chunk
// server-sent events. A client that goes away cancels its chat: nobody else can read the answer.
#include <chrono>

#include "api.h"
#include "chat_request.h"

namespace lingbi::server {

using nlohmann::json;

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string model_name(const Context& c) {
  return c.options.model_name.empty() ? "lingbi" : c.options.model_name;
}

// Text goes to the writer; a conversation with pictures to the model that sees them (the writer
// with its --mmproj, or --vlm).
ChatModel& chat_model(const Context& c, bool has_images) {
  if (!has_images) return *c.models.writer;
  if (!c.models.selector)
    throw BadRequest(
        "messages: this server's model does not see pictures; start lingbi serve with --mmproj or --vlm");
  return *c.models.selector;
}

// Runs on the queue's worker: the model answers, each piece of text an event chat.delta; the
// result carries what the reply needs beyond the text.
Job::Task chat_task(ChatModel& model, ChatRequest request) {
  return [&model, request = std::move(request)](Job& job) mutable {
    request.cancel = &job.cancel;
    request.on_text = [&job](std::string_view piece) {
      job.emit("chat.delta", {{"text", std::string(piece)}});
    };
    const ChatResult r = model.chat(request);
    const TokenCounts& t = r.tokens;
    job.set_result({{"text", r.text},
                    {"reasoning", r.reasoning},
                    {"finish_reason", finish_reason_name(r.finish)},
                    {"usage",
                     {{"prompt_tokens", t.prompt_total()},
                      {"completion_tokens", t.generated},
                      {"total_tokens", t.prompt_total() + t.generated},
                      {"prompt_tokens_details", {{"cached_tokens", t.prompt_reused}}}}},
                    {"timings", {{"prompt_ms", r.prompt_ms}, {"predicted_ms", r.generation_ms}}}});
  };
}

// What every object of one answer shares.
struct Answer {
  std::string id;
  int64_t created;
  std::string model;

  json object(const char* kind, json choices) const {
    return {{"id", id},
            {"object", kind},
            {"created", created},
            {"model", model},
            {"choices", std::move(choices)}};
  }
  json chunk(json delta, json finish_reason) const {
    return object("chat.completion.chunk", json::array({{{"index", 0},
                                                         {"delta", std::move(delta)},
                                                         {"logprobs", nullptr},
                                                         {"finish_reason", std::move(finish_reason)}}}));
  }
};

json model_entry(const Context& c, int64_t created) {
  return {{"id", model_name(c)}, {"object", "model"}, {"created", created}, {"owned_by", "lingbi"}};
}

// Why a finished chat has no answer: {"status", "type", "message"} of the error to send.
std::tuple<int, std::string, std::string> failure(const json& described) {
  if (described["status"] == "cancelled")
    return {503, "cancelled", "the chat was cancelled: the server is shutting down"};
  return {500, "server_error", described.value("error", "the model failed")};
}

// A model may end on bytes that are not UTF-8: they are replaced rather than failing the answer.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void answer_once(Job& job, const Answer& a, const httplib::Request& req, httplib::Response& res,
                 JobQueue& jobs) {
  int64_t after = 0;
  while (!job.finished()) {
    for (const JobEvent& e : job.events_after(after, std::chrono::seconds(1))) after = e.id;
    if (req.is_connection_closed()) jobs.cancel(job.id);
  }
  const json d = job.describe();
  if (d["status"] != "completed") {
    const auto [status, type, message] = failure(d);
    send_error(res, status, type, message);
    return;
  }
  const json& r = d["result"];
  json message = {{"role", "assistant"}, {"content", r["text"]}, {"refusal", nullptr}};
  if (!r["reasoning"].get<std::string>().empty()) message["reasoning_content"] = r["reasoning"];
  json body = a.object("chat.completion", json::array({{{"index", 0},
                                                        {"message", message},
                                                        {"logprobs", nullptr},
                                                        {"finish_reason", r["finish_reason"]}}}));
  body["usage"] = r["usage"];
  body["timings"] = r["timings"];
  res.status = 200;
  res.set_content(dump(body), "application/json; charset=utf-8");
}

void answer_streamed(std::shared_ptr<Job> job, const Answer& a, bool include_usage, httplib::Response& res,
                     JobQueue& jobs) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [job, a, include_usage](size_t, httplib::DataSink& sink) {
        const auto send = [&](const std::string& data) {
          const std::string text = "data: " + data + "\n\n";
          return sink.write(text.data(), text.size());
        };
        const auto send_chunk = [&](json chunk) {
          if (include_usage) chunk["usage"] = nullptr;
          return send(dump(chunk));
        };
        if (!send_chunk(a.chunk({{"role", "assistant"}, {"content", ""}}, nullptr))) return false;
        int64_t after = 0;
        auto last_write = std::chrono::steady_clock::now();
        for (;;) {
          const std::vector<JobEvent> events = job->events_after(after, std::chrono::seconds(1));
          for (const JobEvent& e : events) {
            after = e.id;
            if (e.type == "chat.delta") {
              if (!send_chunk(a.chunk({{"content", e.data["text"]}}, nullptr))) return false;
              last_write = std::chrono::steady_clock::now();
            }
          }
          // Only a read that found nothing new after the job finished has seen its last piece.
          if (!events.empty()) continue;
          if (job->finished()) break;
          if (!sink.is_writable()) return false;
          if (std::chrono::steady_clock::now() - last_write >= std::chrono::seconds(15)) {
            // A chat waiting behind a compose: proxies and clients keep the stream open.
            static const std::string keep_alive = ": keep-alive\n\n";
            if (!sink.write(keep_alive.data(), keep_alive.size())) return false;
            last_write = std::chrono::steady_clock::now();
          }
        }
        const json d = job->describe();
        if (d["status"] != "completed") {
          const auto [status, type, message] = failure(d);
          send(dump(json{{"error", {{"type", type}, {"message", message}, {"code", status}}}}));
        } else {
          const json& r = d["result"];
          json last = json::object();
          if (!r["reasoning"].get<std::string>().empty()) last["reasoning_content"] = r["reasoning"];
          if (!send_chunk(a.chunk(last, r["finish_reason"]))) return false;
          if (include_usage) {
            json usage = a.object("chat.completion.chunk", json::array());
            usage["usage"] = r["usage"];
            usage["timings"] = r["timings"];
            if (!send(dump(usage))) return false;
          }
          if (!send("[DONE]")) return false;
        }
        sink.done();
        return true;
      },
      // Called when the response is done with, also when the client went away mid-stream.
      [job, &jobs](bool) {
        if (!job->finished()) jobs.cancel(job->id);
      });
}

}  // namespace

void add_chat_routes(httplib::Server& http, Context& c) {
  const int64_t started = unix_now();
  http.Get("/v1/models", [&c, started](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"object", "list"}, {"data", json::array({model_entry(c, started)})}});
  });
  http.Get("/v1/models/:id", [&c, started](const httplib::Request& req, httplib::Response& res) {
    if (req.path_params.at("id") != model_name(c))
      return send_error(res, 404, "model_not_found",
                        "no model " + req.path_params.at("id") + "; GET /v1/models lists it");
    send_json(res, 200, model_entry(c, started));
  });
  http.Post("/v1/chat/completions", [&c](const httplib::Request& req, httplib::Response& res) {
    const json body = json_body(req);
    ChatCall call = parse_chat_call(body);
    if (!call.model.empty() && call.model != model_name(c))
      return send_error(res, 404, "model_not_found",
                        "model: this server answers with " + model_name(c) + ", not " + call.model);
    ChatModel& model = chat_model(c, call.has_images);
    // The request stays in memory only: a chat is never written to the jobs folder.
    auto job = c.jobs->submit("chat", json::object(), chat_task(model, std::move(call.request)));
    const Answer a{"chatcmpl-" + job->id.substr(4), unix_now(), model_name(c)};
    if (call.stream)
      answer_streamed(job, a, call.include_usage, res, *c.jobs);
    else
      answer_once(*job, a, req, res, *c.jobs);
  });
}

}  // namespace lingbi::server

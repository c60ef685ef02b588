// RemoteModel: OpenAI-compatible chat completions over libcurl, streamed as server-sent events.
#include "lingbi/model/remote_model.h"

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base64.hpp"
#include "image_bytes.h"
#include "lingbi/model/json_schema.h"
#include "lingbi/util/c_handle.h"
#include "lingbi/util/error.h"
#include "sse_reader.h"

namespace lingbi {

using json = nlohmann::json;
using namespace model_detail;

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

using CurlEasyPtr = CHandle<CURL, curl_easy_cleanup>;
using CurlMultiPtr = CHandle<CURLM, curl_multi_cleanup>;
using CurlSlistPtr = CHandle<curl_slist, curl_slist_free_all>;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

json message_json(const Message& m) {
  json j{{"role", role_name(m.role)}};
  const bool plain = m.parts.size() == 1 && !m.parts[0].is_image();
  if (plain) {
    j["content"] = m.parts[0].text;
    return j;
  }
  json parts = json::array();
  for (const auto& p : m.parts) {
    if (!p.is_image()) {
      parts.push_back({{"type", "text"}, {"text", p.text}});
    } else {
      const std::string bytes = image_bytes(p);
      const std::string url = "data:" + image_mime_type(bytes) + ";base64," + base64::encode(bytes);
      parts.push_back({{"type", "image_url"}, {"image_url", {{"url", url}}}});
    }
  }
  j["content"] = parts;
  return j;
}

json request_body(const ChatRequest& req, const RemoteModelOptions& o) {
  json body;
  if (!o.model.empty()) body["model"] = o.model;
  body["messages"] = json::array();
  for (const auto& m : req.messages) body["messages"].push_back(message_json(m));
  const Sampling& s = req.sampling;
  body["temperature"] = s.temperature;
  body["top_p"] = s.top_p;
  if (s.top_k > 0) body["top_k"] = s.top_k;
  body["min_p"] = s.min_p;
  if (s.repeat_penalty != 1.0f) body["repeat_penalty"] = s.repeat_penalty;
  if (s.seed) body["seed"] = *s.seed;
  body["max_tokens"] = s.max_tokens;
  if (!s.stop.empty()) body["stop"] = s.stop;
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  if (!req.json_schema.empty()) {
    json schema;
    try {
      schema = json::parse(req.json_schema);
    } catch (const std::exception& e) {
      throw Error(std::string("the JSON schema does not parse: ") + e.what());
    }
    body["response_format"] = {{"type", "json_schema"},
                               {"json_schema", {{"name", "answer"}, {"strict", true}, {"schema", schema}}}};
  }
  return body;
}

// The server's own words from an error body: {"error": {"message": ...}} or the raw text.
std::string server_message(const std::string& body) {
  try {
    const json j = json::parse(body);
    if (j.contains("error")) {
      const json& e = j["error"];
      if (e.is_object() && e.contains("message")) return e["message"].get<std::string>();
      if (e.is_string()) return e.get<std::string>();
    }
    if (j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  } catch (const std::exception&) {
  }
  return body.substr(0, 300);
}

// One HTTP attempt's state, shared with curl's write callback.
struct Attempt {
  const ChatRequest* req = nullptr;
  CURL* easy = nullptr;
  long status = 0;
  std::string error_body;
  std::string raw_body;  // a non-streamed 2xx reply
  bool streamed_any = false;
  bool done = false;
  ChatResult result;
  std::string finish_reason;
  std::string stream_error;
  Clock::time_point start, first_token, last_data;
  bool saw_first = false;
  SseReader sse{[this](const std::string& d) { on_event(d); }};

  void on_event(const std::string& data) {
    if (data == "[DONE]") {
      done = true;
      return;
    }
    json j;
    try {
      j = json::parse(data);
    } catch (const std::exception&) {
      stream_error = "the server sent an event that is not JSON: " + data.substr(0, 200);
      return;
    }
    if (j.contains("error")) {
      stream_error = "the server reported an error: " + server_message(data);
      return;
    }
    if (j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) {
      const json& c = j["choices"][0];
      const json delta = c.contains("delta") ? c["delta"] : c.value("message", json::object());
      if (delta.contains("reasoning_content") && delta["reasoning_content"].is_string()) {
        result.reasoning += delta["reasoning_content"].get<std::string>();
      }
      if (delta.contains("content") && delta["content"].is_string()) {
        const std::string piece = delta["content"].get<std::string>();
        if (!piece.empty()) {
          if (!saw_first) {
            saw_first = true;
            first_token = Clock::now();
          }
          result.text += piece;
          streamed_any = true;
          if (req->on_text) req->on_text(piece);
        }
      }
      if (c.contains("finish_reason") && c["finish_reason"].is_string()) finish_reason = c["finish_reason"];
    }
    if (j.contains("usage") && j["usage"].is_object()) {
      const json& u = j["usage"];
      const int prompt = u.value("prompt_tokens", 0);
      int cached = 0;
      if (u.contains("prompt_tokens_details") && u["prompt_tokens_details"].is_object()) {
        cached = u["prompt_tokens_details"].value("cached_tokens", 0);
      }
      result.tokens.prompt_reused = cached;
      result.tokens.prompt_evaluated = prompt - cached;
      result.tokens.generated = u.value("completion_tokens", 0);
    }
    if (j.contains("timings") && j["timings"].is_object()) {
      const json& t = j["timings"];
      result.prompt_ms = t.value("prompt_ms", result.prompt_ms);
      result.generation_ms = t.value("predicted_ms", result.generation_ms);
    }
  }

  static size_t write(char* data, size_t size, size_t n, void* user) {
    auto* a = static_cast<Attempt*>(user);
    a->last_data = Clock::now();
    if (a->status == 0) curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &a->status);
    std::string_view bytes(data, size * n);
    if (a->status >= 400) {
      a->error_body.append(bytes);
    } else {
      if (a->raw_body.size() < (1u << 20)) a->raw_body.append(bytes);
      a->sse.feed(bytes);
    }
    return size * n;
  }
};

enum class Outcome { ok, cancelled, retryable, timed_out };

}  // namespace

RemoteModel::RemoteModel(RemoteModelOptions options) : options_(std::move(options)) {
  init_curl_once();
  std::string base = options_.endpoint;
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
    throw Error("endpoint '" + base + "' is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)");
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() >= 17 && base.compare(base.size() - 17, 17, "/chat/completions") == 0)
    url_ = base;
  else if (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0)
    url_ = base + "/chat/completions";
  else
    url_ = base + "/v1/chat/completions";
}

RemoteModel::~RemoteModel() = default;

std::string RemoteModel::describe() const {
  return "remote " + url_ + (options_.model.empty() ? "" : " (" + options_.model + ")");
}

ChatResult RemoteModel::chat(const ChatRequest& req) {
  const std::string body = request_body(req, options_).dump();
  CurlSlistPtr headers;
  {
    curl_slist* h = curl_slist_append(nullptr, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: text/event-stream");
    if (!options_.api_key.empty())
      h = curl_slist_append(h, ("Authorization: Bearer " + options_.api_key).c_str());
    headers.reset(h);
  }
  std::string last_problem;
  double backoff = options_.backoff_s;
  for (int attempt = 0; attempt <= options_.retries; ++attempt) {
    if (attempt > 0) {
      // Wait, but stay responsive to a cancel.
      const auto until = Clock::now() + std::chrono::duration<double>(backoff);
      while (Clock::now() < until) {
        if (req.cancel && req.cancel->load()) return ChatResult{{}, {}, FinishReason::cancelled, {}, 0, 0};
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      backoff *= 2;
    }
    CurlEasyPtr easy(curl_easy_init());
    CurlMultiPtr multi(curl_multi_init());
    if (!easy || !multi) throw Error("libcurl could not be initialised");
    Attempt a;
    a.req = &req;
    a.easy = easy.get();
    char curl_error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy.get(), CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &Attempt::write);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout_s * 1000));
    curl_multi_add_handle(multi.get(), easy.get());

    a.start = a.last_data = Clock::now();
    Outcome outcome = Outcome::ok;
    CURLcode code = CURLE_OK;
    for (;;) {
      int running = 0;
      curl_multi_perform(multi.get(), &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
        if (msg->msg == CURLMSG_DONE) code = msg->data.result;
      }
      if (!running) break;
      if (req.cancel && req.cancel->load()) {
        outcome = Outcome::cancelled;
        break;
      }
      if (ms_between(a.last_data, Clock::now()) > options_.read_timeout_s * 1000 &&
          ms_between(a.start, Clock::now()) > options_.connect_timeout_s * 1000) {
        outcome = Outcome::timed_out;
        break;
      }
      curl_multi_poll(multi.get(), nullptr, 0, 50, nullptr);
    }
    curl_multi_remove_handle(multi.get(), easy.get());
    if (a.status == 0) curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &a.status);

    if (outcome == Outcome::cancelled) {
      a.result.finish = FinishReason::cancelled;
      return a.result;
    }
    if (outcome == Outcome::timed_out) {
      last_problem =
          "no data from " + url_ + " for " + std::to_string(options_.read_timeout_s) + " s (read timeout)";
      if (a.streamed_any) throw Error(last_problem + " in the middle of an answer");
      continue;
    }
    if (code != CURLE_OK) {
      last_problem = "cannot reach " + url_ + ": " + (curl_error[0] ? curl_error : curl_easy_strerror(code));
      if (a.streamed_any) throw Error(last_problem + " (the connection broke in the middle of an answer)");
      continue;
    }
    if (a.status >= 400 && a.status < 500) {
      std::string hint = a.status == 401 || a.status == 403 ? " (check --api-key)"
                         : a.status == 404                  ? " (check --endpoint and --api-model)"
                                                            : "";
      throw Error("server " + url_ + " answered HTTP " + std::to_string(a.status) + hint + ": " +
                  server_message(a.error_body));
    }
    if (a.status >= 500) {
      last_problem = "server " + url_ + " answered HTTP " + std::to_string(a.status) + ": " +
                     server_message(a.error_body);
      continue;
    }
    a.sse.finish();
    if (!a.stream_error.empty()) throw Error(a.stream_error + " (" + url_ + ")");
    if (!a.done && a.finish_reason.empty() && !a.saw_first) {
      // Not an event stream: perhaps a server that ignores "stream"; read it as one JSON reply.
      a.on_event(a.raw_body);
      if (a.finish_reason.empty() && a.result.text.empty()) {
        throw Error("server " + url_ +
                    " sent a reply that is neither an event stream nor a chat completion: " +
                    a.raw_body.substr(0, 200));
      }
    }
    const auto end = Clock::now();
    if (a.result.prompt_ms == 0) a.result.prompt_ms = ms_between(a.start, a.saw_first ? a.first_token : end);
    if (a.result.generation_ms == 0 && a.saw_first) a.result.generation_ms = ms_between(a.first_token, end);
    a.result.finish = a.finish_reason == "length" ? FinishReason::length : FinishReason::stop;
    if (!req.json_schema.empty() && a.result.finish == FinishReason::stop && req.sampling.stop.empty()) {
      parse_and_validate(req.json_schema, a.result.text);
    }
    return a.result;
  }
  throw Error(last_problem + " (gave up after " + std::to_string(options_.retries + 1) +
              " attempts; is the server running?)");
}

}  // namespace lingbi

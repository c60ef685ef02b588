// /v1/jobs: queue a compose, an edit or a resume; read its state; cancel it; follow its events
// as server-sent events, replayed from any point with Last-Event-ID.
#include <set>

#include "api.h"
#include "lingbi/util/strings.h"

namespace lingbi::server {

using nlohmann::json;

namespace {

const std::set<std::string> kEditOps = {"rewrite",  "insert-paragraph", "delete-paragraph", "research",
                                        "swap",     "add-slot",         "remove-slot"};

}  // namespace

std::vector<std::string> upload_paths(const json& body, const Context& c) {
  std::vector<std::string> paths;
  if (!body.contains("pictures") || body["pictures"].is_null()) return paths;
  const json& pictures = body["pictures"];
  if (!pictures.is_array()) throw BadRequest("pictures: expected an array of upload ids");
  if (pictures.size() > 20) throw BadRequest("pictures: at most 20");
  for (size_t i = 0; i < pictures.size(); ++i) {
    const std::string field = "pictures[" + std::to_string(i) + "]";
    if (!pictures[i].is_string()) throw BadRequest(field + ": expected an upload id");
    const std::optional<Upload> u = c.uploads.find(pictures[i].get<std::string>());
    if (!u) throw BadRequest(field + ": no upload " + pictures[i].get<std::string>().substr(0, 40));
    paths.push_back(c.uploads.path_of(*u).string());
  }
  return paths;
}

namespace {

// "select_context": what the selector reads (ComposeOptions::select_context).
void select_context_field(const json& body) {
  const std::string context = string_field(body, "select_context", false, "passage");
  if (context != "passage" && context != "article") throw BadRequest("select_context: expected passage or article");
}

// Checks a job request before it is queued, so that a bad field answers 400 (and a stale
// revision 409) at once instead of failing later.
void check_request(const std::string& type, const json& body, Context& c) {
  if (type == "compose") {
    if (strip(string_field(body, "instruction", true)).empty())
      throw BadRequest("instruction: must not be empty");
    int_field(body, "words", false, 0, 0, 20000);
    if (body.contains("images") && !(body["images"].is_string() && body["images"] == "auto"))
      int_field(body, "images", false, -1, 0, 50);
    const std::string lang = string_field(body, "lang", false, "auto");
    if (lang != "auto" && lang != "en" && lang != "zh") throw BadRequest("lang: expected auto, en or zh");
    int_field(body, "candidates", false, 4, 1, 8);  // compose's own bounds (ComposeOptions::candidates)
    select_context_field(body);
    if (body.contains("seed") && !body["seed"].is_number_unsigned())
      throw BadRequest("seed: expected a non-negative integer");
    upload_paths(body, c);
    return;
  }
  const std::string id = string_field(body, "article", true);
  if (!c.store.exists(id)) throw NotFound("no article " + id);
  if (type == "resume") {
    if (!c.store.partial(id)) throw BadRequest("article: " + id + " has no interrupted compose to resume");
    return;
  }
  const std::string op = string_field(body, "op", true);
  if (!kEditOps.count(op))
    throw BadRequest(
        "op: expected rewrite, insert-paragraph, delete-paragraph, research, swap, add-slot or remove-slot");
  if (op == "research" || op == "add-slot") select_context_field(body);
  if (op == "insert-paragraph") {
    if (body.contains("before") == body.contains("after"))
      throw BadRequest("before, after: give one of them, a paragraph index");
    int_field(body, body.contains("before") ? "before" : "after", true, 0, 0, 1 << 20);
    const bool instruction = !strip(string_field(body, "instruction", false)).empty();
    const bool text = !strip(string_field(body, "text", false)).empty();
    if (instruction == text)
      throw BadRequest("instruction, text: give one of them, not empty: what the new paragraph says (written by "
                       "the model), or the paragraph itself");
    int_field(body, "length", false, 0, 0, 2000);
  }
  const int base = int_field(body, "base_revision", true, 0, 0, 1 << 30);
  const int current = c.store.revisions(id).empty() ? 0 : c.store.current(id).second;
  if (base != current) throw Conflict(current);
}

std::string sse_event(const JobEvent& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.data.dump() + "\n\n";
}

}  // namespace

void add_job_routes(httplib::Server& http, Context& c) {
  http.Post("/v1/jobs", [&c](const httplib::Request& req, httplib::Response& res) {
    const json body = json_body(req);
    const std::string type = string_field(body, "type", true);
    if (type != "compose" && type != "edit" && type != "resume")
      throw BadRequest("type: expected compose, edit or resume");
    check_request(type, body, c);
    auto job = c.jobs->submit(type, body);  // a full queue answers 503 (server.cpp)
    send_json(res, 202, {{"id", job->id}, {"status", "queued"}, {"position", c.jobs->position(*job)}});
  });
  http.Get("/v1/jobs/:id", [&c](const httplib::Request& req, httplib::Response& res) {
    auto job = c.jobs->find(req.path_params.at("id"));
    if (!job) throw NotFound("no job " + req.path_params.at("id"));
    json j = job->describe();
    j["position"] = c.jobs->position(*job);
    send_json(res, 200, j);
  });
  http.Post("/v1/jobs/:id/cancel", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    auto job = c.jobs->find(id);
    if (!job) throw NotFound("no job " + id);
    c.jobs->cancel(id);
    send_json(res, 200, job->describe());
  });
  http.Get("/v1/jobs/:id/events", [&c](const httplib::Request& req, httplib::Response& res) {
    auto job = c.jobs->find(req.path_params.at("id"));
    if (!job) throw NotFound("no job " + req.path_params.at("id"));
    int64_t after = 0;
    const std::string last = req.has_header("Last-Event-ID") ? req.get_header_value("Last-Event-ID")
                                                             : req.get_param_value("after");
    if (!last.empty()) {
      try {
        after = std::stoll(last);
      } catch (const std::exception&) {
        throw BadRequest("Last-Event-ID: expected an event id");
      }
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream", [job, after](size_t, httplib::DataSink& sink) mutable {
          // A client that goes away ends this loop (write fails); it cancels nothing.
          auto last_write = std::chrono::steady_clock::now();
          for (;;) {
            const std::vector<JobEvent> events = job->events_after(after, std::chrono::seconds(1));
            for (const JobEvent& e : events) {
              const std::string text = sse_event(e);
              if (!sink.write(text.data(), text.size())) return false;
              after = e.id;
              last_write = std::chrono::steady_clock::now();
            }
            if (!events.empty()) continue;
            if (job->finished()) break;
            if (!sink.is_writable()) return false;
            if (std::chrono::steady_clock::now() - last_write >= std::chrono::seconds(15)) {
              static const std::string keep_alive = ": keep-alive\n\n";  // proxies keep the stream open
              if (!sink.write(keep_alive.data(), keep_alive.size())) return false;
              last_write = std::chrono::steady_clock::now();
            }
          }
          sink.done();
          return true;
        });
  });
}

}  // namespace lingbi::server

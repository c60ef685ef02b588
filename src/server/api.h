// What the request handlers of `lingbi serve` share: the server's state, and the JSON replies
// and request parsing every route uses. Internal to src/server.
#pragma once

#include <cpp-httplib/httplib.h>

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "article_store.h"
#include "jobs.h"
#include "lingbi/compose/compose.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/server/server.h"
#include "lingbi/util/error.h"

namespace lingbi::server {

struct Context {
  const ServeOptions& options;
  const ComposeModels& models;
  ArticleStore& store;
  JobQueue* jobs = nullptr;
  // The routes' own handle on the gallery (a reader beside the one compose jobs use), one request
  // at a time: a Gallery is not safe to share between threads.
  const Gallery* gallery = nullptr;
  std::mutex gallery_mutex;
};

// A request the client must fix: answered 400 with this message (which names the field).
class BadRequest : public Error {
 public:
  using Error::Error;
};

// {"error": {"type": ..., "message": ...}} with `status`.
void send_error(httplib::Response& res, int status, const std::string& type, const std::string& message);
void send_json(httplib::Response& res, int status, const nlohmann::json& body);
// The request's JSON object body; throws BadRequest when it is not one.
nlohmann::json json_body(const httplib::Request& req);
// Field readers that throw BadRequest naming the field ("words: expected an integer").
std::string string_field(const nlohmann::json& body, const char* name, bool required,
                         const std::string& fallback = "");
int int_field(const nlohmann::json& body, const char* name, bool required, int fallback, int min, int max);
// A number (integer or not) in [min, max]; `fallback` when absent or null.
double number_field(const nlohmann::json& body, const char* name, double fallback, double min, double max);
// true or false; `fallback` when absent or null.
bool bool_field(const nlohmann::json& body, const char* name, bool fallback);
// A whole-number query parameter in [min, max]; `fallback` when absent; BadRequest otherwise.
int int_param(const httplib::Request& req, const char* name, int fallback, int min, int max);

// Checks every request before routing (Host, API key); false when it answered already.
bool admit(const httplib::Request& req, httplib::Response& res, const ServeOptions& options,
           const std::vector<std::string>& bound_names);
// Headers every answer carries (CSP, nosniff).
void add_safety_headers(httplib::Response& res);

void add_article_routes(httplib::Server& http, Context& context);
void add_job_routes(httplib::Server& http, Context& context);
void add_gallery_routes(httplib::Server& http, Context& context);
// /v1/models and /v1/chat/completions (OpenAI's API), answered by the model through the job queue.
void add_chat_routes(httplib::Server& http, Context& context);

// Runs one job with the server's models (job_runner.cpp): the JobQueue's runner.
void run_job(Job& job, Context& context);

}  // namespace lingbi::server

// What the request handlers of `lingbi serve` share: the server's state, and the JSON replies
// and request parsing every route uses. Internal to src/server.
#pragma once

#include <cpp-httplib/httplib.h>

#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "article_store.h"
#include "jobs.h"
#include "thumbnail_cache.h"
#include "upload_store.h"
#include "lingbi/compose/compose.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/server/server.h"
#include "lingbi/util/error.h"

namespace lingbi::server {

struct Context {
  const ServeOptions& options;
  const ComposeModels& models;
  ArticleStore& store;
  UploadStore& uploads;
  JobQueue* jobs = nullptr;
  // The routes' own handle on the gallery (a reader beside the one compose jobs use), one request
  // at a time: a Gallery is not safe to share between threads.
  const Gallery* gallery = nullptr;
  std::mutex gallery_mutex;
  ThumbnailCache thumbnails{64 << 20};  // 64 MB of the most recently asked thumbnails
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

// The URL a client fetches a picture at: /v1/images/ID for a gallery picture, /v1/uploads/ID for
// an upload; null for any other file (client_json.cpp).
nlohmann::json picture_url(const std::optional<int64_t>& image_id, const std::string& path,
                           const UploadStore& uploads);
// `j` (an article's JSON, or part of one) with every "path" (and "path_base64") replaced by the
// picture's "url": clients address pictures by id only.
nlohmann::json for_client(const nlohmann::json& j, const UploadStore& uploads);

// Checks every request before routing (Host, API key); false when it answered already.
bool admit(const httplib::Request& req, httplib::Response& res, const ServeOptions& options,
           const std::vector<std::string>& bound_names);
// Headers every answer carries (CSP, nosniff).
void add_safety_headers(httplib::Response& res);

void add_article_routes(httplib::Server& http, Context& context);
void add_job_routes(httplib::Server& http, Context& context);
void add_gallery_routes(httplib::Server& http, Context& context);
void add_upload_routes(httplib::Server& http, Context& context);
// The studio page (routes_ui.cpp): GET / and GET /ui/PATH.
void add_ui_routes(httplib::Server& http, Context& context);
// Whether `path` is one of the page's files, which load without the API key and while the models load.
bool is_page_path(const std::string& path);

// Sends the picture at `path` (a gallery's or an upload's file): the file itself with
// `content_type` when `width` is 0, else a JPEG at most `width` pixels wide, made once and kept in
// the context's thumbnail cache under `key` (the picture's content hash). Throws Error (no path
// in its message) when it cannot be read.
void send_picture(httplib::Response& res, Context& context, const std::string& path, const std::string& key,
                  const std::string& content_type, int width);
// The upload `id`; NotFound when there is none.
Upload require_upload(const Context& context, const std::string& id);

// The files of a compose request's "pictures" (upload ids); BadRequest naming the entry that is
// not an upload.
std::vector<std::string> upload_paths(const nlohmann::json& body, const Context& context);
// /v1/models and /v1/chat/completions (OpenAI's API), answered by the model through the job queue.
void add_chat_routes(httplib::Server& http, Context& context);

// Runs one job with the server's models (job_runner.cpp): the JobQueue's runner.
void run_job(Job& job, Context& context);

}  // namespace lingbi::server

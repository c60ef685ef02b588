// serve(): the HTTP server's wiring. Every request is admitted (Host, key) before routing, every
// answer carries the safety headers, every error is {"error": {"type", "message"}}.
#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "api.h"
#include "metrics.h"

namespace lingbi {

using namespace server;
using nlohmann::json;

namespace {

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

const char* error_type(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    default:
      return status >= 500 ? "server_error" : "error";
  }
}

}  // namespace

void check_serve_options(const ServeOptions& options) {
  if (!is_loopback(options.host) && options.api_key.empty())
    throw Error("refusing to listen on " + options.host +
                " without an API key: anyone who can reach it could use your models and read your gallery; "
                "give --api-key (or LINGBI_API_KEY), or keep the default --host 127.0.0.1");
}

void serve(const ServeOptions& options, const std::function<ComposeModels()>& load_models,
           const std::atomic<bool>& stop, const ServeEvents& events) {
  check_serve_options(options);

  // What needs no model is ready at once; the models come after the socket is bound, and until
  // then every request but /health answers 503. Every model call is counted for /metrics: jobs and
  // routes see the counting models only.
  Metrics metrics;
  ComposeModels counted;
  std::optional<CountingModel> writer, selector;
  std::unique_ptr<Gallery> reader;  // the routes' own handle; compose jobs use models.gallery
  ArticleStore store(options.articles);
  UploadStore uploads(options.articles / "uploads");
  Context context{options, counted, store, uploads, nullptr, nullptr, {}};
  JobQueue jobs(options.max_queue, [&context](Job& job) { run_job(job, context); }, options.articles / "jobs");
  context.jobs = &jobs;
  std::atomic<bool> ready{false};

  httplib::Server http;
  // A connection holds a thread for as long as it is kept alive (up to 100 requests), and so does
  // an event stream: enough threads from the start that 32 readers, a page's streams and a
  // compose's requests never queue behind one another. (With 8 and more made on demand, a burst of
  // new connections could wait seconds for a kept-alive one to end: bench/bench_serve.cpp.)
  http.new_task_queue = [] { return new httplib::ThreadPool(64, 256); };
  // The guard holds each route to its own limit from Content-Length; this is the largest of them.
  http.set_payload_max_length(std::max({options.max_body, options.max_upload, options.max_chat_body}));
  std::vector<std::string> names = {"localhost", "127.0.0.1", "[::1]", options.host};
  http.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    add_safety_headers(res);
    if (!admit(req, res, options, names)) return httplib::Server::HandlerResponse::Handled;
    if (ready.load() || is_page_path(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("Retry-After", "5");
    if (req.path == "/health")
      send_json(res, 503, {{"status", "loading"}, {"api_key", !options.api_key.empty()}});
    else
      send_error(res, 503, "loading", "the models are still loading; GET /health says when they are ready");
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_post_routing_handler(
      [](const httplib::Request&, httplib::Response& res) { add_safety_headers(res); });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const BadRequest& e) {
      send_error(res, 400, "bad_request", e.what());
    } catch (const NotFound& e) {
      send_error(res, 404, "not_found", e.what());
    } catch (const QueueFull& e) {
      res.set_header("Retry-After", "10");
      send_error(res, 503, "queue_full", e.what());
    } catch (const Conflict& e) {
      send_json(res, 409,
                {{"error", {{"type", "conflict"}, {"message", e.what()}}}, {"current_revision", e.current}});
    } catch (const std::exception& e) {
      send_error(res, 500, "server_error", without_paths(e.what()));
    }
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty())
      send_error(res, res.status, error_type(res.status), httplib::status_message(res.status));
  });

  http.set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - req.start_time_;
    metrics.record_request(req.matched_route, req.method, res.status, took.count());
  });

  http.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"status", "ok"},
               {"jobs", jobs.counts()},
               {"waiting", jobs.waiting()},
               {"api_key", !options.api_key.empty()},
               {"limits", {{"body", options.max_body}, {"upload", options.max_upload}, {"chat_body", options.max_chat_body}}}});
  });
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(jobs), "text/plain; version=0.0.4; charset=utf-8");
  });
  add_article_routes(http, context);
  add_job_routes(http, context);
  add_gallery_routes(http, context);
  add_upload_routes(http, context);
  add_chat_routes(http, context);
  add_ui_routes(http, context);

  const int port = options.port == 0 ? http.bind_to_any_port(options.host)
                                     : (http.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port < 0)
    throw Error("cannot listen on " + options.host + ":" + std::to_string(options.port) + " (in use?)");
  std::thread listener([&] { http.listen_after_bind(); });
  http.wait_until_ready();
  if (events.on_bound) events.on_bound(options.host, port);
  try {
    const ComposeModels models = load_models();
    if (!models.writer) throw Error("lingbi serve needs a writer model (-m FILE.gguf or --endpoint URL)");
    counted = models;
    counted.writer = &writer.emplace(*models.writer, metrics);
    if (models.selector == models.writer)
      counted.selector = &*writer;
    else if (models.selector)
      counted.selector = &selector.emplace(*models.selector, metrics);
    if (models.gallery) reader = Gallery::open(models.gallery->dir());
    context.gallery = reader.get();
  } catch (...) {
    jobs.stop();
    http.stop();
    listener.join();
    throw;
  }
  ready = true;  // publishes the models to the request threads
  if (events.on_ready) events.on_ready(options.host, port);
  while (!stop.load() && http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The running job stops first (its partial article is in the store) and the waiting ones are
  // cancelled, so that every event stream ends; then the connections close.
  jobs.stop();
  http.stop();
  listener.join();
}

}  // namespace lingbi

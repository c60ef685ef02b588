// `lingbi serve`: the HTTP API on the same models and gallery flags as compose (docs/server.md).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "compose_models.h"
#include "gallery_flags.h"
#include "lingbi/server/server.h"
#include "lingbi/util/error.h"
#include "model_flags.h"
#include "store_models.h"

namespace lingbi::cli {

namespace {

std::atomic<bool> stop_serving{false};

extern "C" void on_serve_signal(int) { stop_serving = true; }

struct ServeArgs {
  ModelFlags writer;
  ModelFlags selector;
  GalleryFlags gallery;
  ServeOptions options;
  std::string articles;
};

// $XDG_DATA_HOME/lingbi/articles, else ~/.local/share/lingbi/articles.
std::filesystem::path default_articles() {
  if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data)
    return std::filesystem::path(data) / "lingbi/articles";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".local/share/lingbi/articles";
}

void run_serve(ServeArgs& a) {
  if (a.options.api_key.empty())
    if (const char* key = std::getenv("LINGBI_API_KEY")) a.options.api_key = key;
  a.options.articles = a.articles.empty() ? default_articles() : std::filesystem::path(a.articles);
  // Models from the store (no -m, or a preset's name) are found, or their pull command named, first.
  if (a.writer.remote.endpoint.empty()) resolve_model(a.writer, "writer");
  if (!a.gallery.gallery.empty()) a.gallery.clip = resolve_clip(a.gallery.clip, a.gallery.gallery);
  if (a.options.model_name.empty())
    a.options.model_name =
        !a.writer.local.model.empty() ? a.writer.local.model.stem().string() : a.writer.remote.model;
  check_serve_options(a.options);  // before anything is bound or loaded

  // The gallery and the models load while the server already answers /health (503 until then);
  // a signal meanwhile ends the program at once (nothing runs yet), afterwards it stops the server.
  OpenedGallery gallery;
  LoadedModels loaded;
  ServeEvents events;
  events.on_bound = [](const std::string& host, int port) {
    std::printf("lingbi serve: loading the models; http://%s:%d/health answers 503 until they are ready\n",
                host.c_str(), port);
    std::fflush(stdout);
  };
  events.on_ready = [&](const std::string& host, int port) {
    std::signal(SIGINT, on_serve_signal);
    std::signal(SIGTERM, on_serve_signal);
    std::printf("lingbi serve: listening on http://%s:%d (articles in %s)\n", host.c_str(), port,
                a.options.articles.c_str());
    std::fflush(stdout);
  };
  serve(
      a.options,
      [&] {
        gallery = open_gallery(a.gallery, a.writer.local.threads);
        loaded = load_models(a.writer, a.selector, gallery);
        return loaded.models;
      },
      stop_serving, events);
  std::printf("lingbi serve: stopped\n");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve", "Serve the HTTP API: compose and edit jobs, live events, articles, pictures");
  a->writer.local.context = 16384;  // the whole article and the questions about it stay in context
  a->writer.remote.retries = 5;
  add_model_flags(cmd, a->writer);
  // Here --api-key is the server's own key (as in llama-server); the writer's endpoint takes its
  // key from --endpoint-api-key.
  cmd->remove_option(cmd->get_option("--api-key"));
  cmd->add_option("--endpoint-api-key", a->writer.remote.api_key, "API key for --endpoint");
  add_model_flags(cmd, a->selector, "vlm");
  add_gallery_flags(cmd, a->gallery, "Gallery folder the articles take pictures from");
  cmd->add_option("--articles", a->articles,
                  "Folder of the article store (default: $XDG_DATA_HOME/lingbi/articles)");
  cmd->add_option("--host", a->options.host, "Address to listen on; another than loopback needs --api-key")
      ->capture_default_str();
  cmd->add_option("--port", a->options.port, "Port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--api-key", a->options.api_key,
                  "Key every request must give (Authorization: Bearer KEY); or LINGBI_API_KEY");
  cmd->add_option("--max-queue", a->options.max_queue, "Jobs that may wait; more answer 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option(
      "-a,--alias", a->options.model_name,
      "The model's name in /v1/models and chat requests (default: the GGUF's file stem, or --api-model)");
  cmd->add_option("--allowed-host", a->options.allowed_hosts,
                  "Host header name to accept besides the bound and loopback names (repeatable)");
  cmd->add_option("--ui-dir", a->options.ui_dir,
                  "Serve the studio page's files from this folder (web/ of a checkout) instead of the built-in ones")
      ->check(CLI::ExistingDirectory);
  cmd->callback([a] { run_serve(*a); });
}

}  // namespace lingbi::cli

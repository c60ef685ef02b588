// `lingbi serve`: an HTTP API for composing and editing articles, with jobs, live events and an
// article store (docs/server.md). One model in memory; jobs run one at a time in order, while
// reads (articles, pictures, search, events) are answered beside them.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lingbi/compose/compose.h"

namespace lingbi {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                         // 0: any free port (on_listening says which)
  std::string api_key;                     // required for a host other than loopback
  std::filesystem::path articles;          // the article store's folder
  size_t max_queue = 16;                   // jobs waiting beyond the running one; more answer 503
  std::vector<std::string> allowed_hosts;  // Host header names accepted besides the bound and loopback names
  size_t max_body = 1 << 20;               // bytes of a JSON request body; more answer 413
  size_t max_upload = 32 << 20;            // bytes of an uploaded picture (POST /v1/uploads)
  size_t max_chat_body = 20 << 20;         // the same for /v1/chat/completions (pictures as data URLs)
  // The model's name in /v1/models, which a chat request's "model" field must match (when it is
  // given); empty: "lingbi".
  std::string model_name;
  // The studio page's files are served from this folder (read at every request) instead of the
  // copies built into the binary: for working on web/ without a rebuild. Empty: the built-in ones.
  std::filesystem::path ui_dir;
};

// Throws lingbi::Error when the options are unsafe: a host other than loopback without an API key.
void check_serve_options(const ServeOptions& options);

// What serve() tells its caller, each once: the socket is bound (models loading; /health answers
// 503), then the models are loaded and every route answers.
struct ServeEvents {
  std::function<void(const std::string& host, int port)> on_bound;
  std::function<void(const std::string& host, int port)> on_ready;
};

// Binds the address, then calls `load_models` (which owns what it returns: the models must outlive
// serve) while /health answers 503 {"status": "loading"} and every other route 503; then serves
// until `stop` becomes true (a signal handler may set it), cancels the running job (its partial
// article stays in the store) and returns. Throws lingbi::Error when the options are unsafe (a
// host other than loopback without an API key) or the address cannot be bound, and passes on what
// `load_models` throws.
void serve(const ServeOptions& options, const std::function<ComposeModels()>& load_models,
           const std::atomic<bool>& stop, const ServeEvents& events);

}  // namespace lingbi

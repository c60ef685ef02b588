// The studio page: GET / is web/index.html, GET /ui/PATH the file web/PATH. The files are the ones
// embedded at build time (gzip-compressed when the client accepts it, with an ETag), or with
// --ui-dir the ones on disk, read at every request, for working on the page without a rebuild.
// They hold no data: they load without the API key (the page asks for it) and while the models load.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "api.h"
#include "web_assets.h"

namespace lingbi::server {

namespace {

// The page talks to this server only; pictures may come as blob: URLs (fetched with the key) and
// data: URLs (exported pages, chat attachments).
constexpr const char* kPagePolicy =
    "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

const WebAsset* embedded(std::string_view path) {
  const auto& assets = web_assets();
  const auto it = std::lower_bound(assets.begin(), assets.end(), path,
                                   [](const WebAsset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

std::string type_from_extension(const std::string& path) {
  const auto ends = [&](const char* ext) {
    const std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json; charset=utf-8";
  return "text/plain; charset=utf-8";
}

bool accepts_gzip(const httplib::Request& req) {
  return req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos;
}

void send_asset(const httplib::Request& req, httplib::Response& res, const ServeOptions& options,
                const std::string& path) {
  if (path.empty() || path.find("..") != std::string::npos || path.front() == '/' ||
      path.find('\\') != std::string::npos)
    throw NotFound("no such file: /ui/" + path);
  res.headers.erase("Content-Security-Policy");  // the API's stricter default, set before routing
  res.set_header("Content-Security-Policy", kPagePolicy);
  if (!options.ui_dir.empty()) {
    std::ifstream in(options.ui_dir / path, std::ios::binary);
    if (!in || std::filesystem::is_directory(options.ui_dir / path)) throw NotFound("no such file: /ui/" + path);
    std::ostringstream body;
    body << in.rdbuf();
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.str(), type_from_extension(path));
    return;
  }
  const WebAsset* asset = embedded(path);
  if (!asset) throw NotFound("no such file: /ui/" + path);
  // Revalidated at every load (a new build may change any file), answered 304 when unchanged.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", std::string(asset->etag));
  res.set_header("Vary", "Accept-Encoding");
  if (req.get_header_value("If-None-Match") == asset->etag) {
    res.status = 304;
    return;
  }
  if (accepts_gzip(req)) {
    res.set_header("Content-Encoding", "gzip");
    res.set_content(std::string(asset->gzip), std::string(asset->type));
  } else {
    res.set_content(std::string(asset->body), std::string(asset->type));
  }
}

}  // namespace

bool is_page_path(const std::string& path) { return path == "/" || path.rfind("/ui/", 0) == 0; }

void add_ui_routes(httplib::Server& http, Context& context) {
  const ServeOptions& options = context.options;
  http.Get("/", [&options](const httplib::Request& req, httplib::Response& res) {
    send_asset(req, res, options, "index.html");
  });
  http.Get(R"(/ui/(.+))", [&options](const httplib::Request& req, httplib::Response& res) {
    send_asset(req, res, options, req.matches[1].str());
  });
}

}  // namespace lingbi::server

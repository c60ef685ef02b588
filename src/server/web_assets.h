// The studio page's files (web/), embedded in the binary at build time by cmake/EmbedWeb.cmake:
// each as it is and gzip-compressed, with its MIME type and ETag. Internal to src/server.
#pragma once

#include <string_view>
#include <vector>

namespace lingbi::server {

struct WebAsset {
  std::string_view path;  // relative to web/, "/"-separated ("index.html", "vendor/...")
  std::string_view type;  // Content-Type
  std::string_view etag;  // quoted, from the file's SHA-256
  std::string_view body;
  std::string_view gzip;  // the same bytes, gzip-compressed
};

// Every file of web/, sorted by path (the generated web_assets_data.cpp).
const std::vector<WebAsset>& web_assets();

}  // namespace lingbi::server

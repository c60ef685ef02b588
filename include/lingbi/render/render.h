// Renderers: an Article to Markdown (with an assets folder) or to one self-contained HTML page.
// They need no models: `lingbi render article.json -o out.html` works on any saved article.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lingbi/article/article.h"

namespace lingbi {

struct RenderOptions {
  // Markdown: false copies each chosen picture into "<name>_assets/" beside the .md file; true
  // links the original files instead (relative to the .md file where possible).
  bool link_images = false;
  // Markdown: when set, each chosen picture is linked at the URL this returns (the server's
  // /v1/images/ID) instead of being copied or linked as a file.
  std::function<std::string(const Choice&)> picture_url;
  // HTML: pictures are inlined as JPEG, scaled down (never up) to at most this width.
  int max_image_width = 1200;
  int jpeg_quality = 82;
};

// What a render did not manage without failing as a whole (a chosen picture that no longer
// exists or does not decode is left out with a warning; its caption stays).
struct RenderReport {
  std::vector<std::string> warnings;
};

// The whole HTML document as a string: UTF-8, lang attribute from the article, inline CSS,
// pictures as data: URLs, captions under them. Works offline, opens in any browser.
std::string render_html(const Article& article, const RenderOptions& options, RenderReport& report);

// Markdown text for an article written to `out` (image references point into the assets folder
// that render_markdown_file fills, or to the original files with link_images).
std::string render_markdown(const Article& article, const std::filesystem::path& out,
                            const RenderOptions& options, RenderReport& report);

// Renders to a file chosen by its extension: .md, .html or .htm, .json (the article itself).
// Writes atomically; throws lingbi::Error for another extension or when writing fails.
RenderReport render_to_file(const Article& article, const std::filesystem::path& out, const RenderOptions& options);

}  // namespace lingbi

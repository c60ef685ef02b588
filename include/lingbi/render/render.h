// Renderers: an Article to Markdown (with an assets folder), one self-contained HTML page, and the
// publishing formats: a WeChat editor fragment, Markdown for Zhihu's import, a Word document.
// They need no models: `lingbi render article.json -o out.html` works on any saved article.
// docs/publish.md describes the publishing formats.
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
  // WeChat and Zhihu: when set, pictures are linked under this URL ("https://cdn.example/a")
  // instead of embedded or zipped; their files are written into "<name>_assets/" beside the
  // output, to be uploaded there.
  std::string image_base;
  // The format render_to_file writes: "html", "md", "json", "wechat", "zhihu", "docx" or "zip"
  // (the Markdown zip); empty chooses by the output's extension.
  std::string format;
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

// One HTML fragment for WeChat's official-account editor (src/render/wechat.cpp): every style
// inline, no class, id, script or event attribute; lists as paragraphs with bullets; links to
// anywhere but mp.weixin.qq.com as numbered references at the end; pictures as JPEG data: URLs of
// at most 1080 px and 1 MB each, or under options.image_base (their files then go into the
// assets folder beside `out`).
std::string render_wechat(const Article& article, const std::filesystem::path& out, const RenderOptions& options,
                          RenderReport& report);

// A Word document (.docx) with headings, paragraphs, pictures in place and captions under them,
// the title in its properties; Chinese articles carry East Asian font hints and zh-CN.
std::string render_docx(const Article& article, const RenderOptions& options, RenderReport& report);

// Markdown for Zhihu's import (src/render/zhihu.cpp): the bytes of a zip of NAME.md and its
// pictures when `out` ends in .zip, else Markdown linking the pictures under options.image_base
// (copied into the assets folder beside `out`); throws lingbi::Error when neither is possible.
std::string render_zhihu(const Article& article, const std::filesystem::path& out, const RenderOptions& options,
                         RenderReport& report);

// Renders to a file in options.format, or chosen by its extension: .md, .html or .htm, .json
// (the article itself), .docx, .zip (Markdown with its pictures). Writes atomically; throws lingbi::Error for an unknown
// format or extension, or when writing fails.
RenderReport render_to_file(const Article& article, const std::filesystem::path& out, const RenderOptions& options);

}  // namespace lingbi

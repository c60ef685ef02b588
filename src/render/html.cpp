// One self-contained HTML page: inline CSS, pictures as data: URLs, no script, no network.
#include <string>

#include "blocks.h"
#include "escape.h"
#include "image_inline.h"
#include "lingbi/render/render.h"

namespace lingbi {

namespace {

using render::escape_markup;

// Readable on a phone and a desktop, in Latin and CJK scripts alike.
constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
body { margin: 0; background: #fbfaf7; color: #1f1f1f; }
main { max-width: 42rem; margin: 0 auto; padding: 3rem 1.25rem 5rem; overflow-wrap: anywhere; }
body, main { font-family: "Iowan Old Style", "Palatino Linotype", Georgia, "Noto Serif CJK SC",
  "Songti SC", "Source Han Serif SC", serif; font-size: 1.125rem; line-height: 1.75; }
:lang(zh) body, main:lang(zh) { font-family: "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC",
  "Microsoft YaHei", "Droid Sans Fallback", sans-serif; line-height: 1.9; text-align: justify; }
h1 { font-size: 2.1rem; line-height: 1.25; margin: 0 0 2rem; }
h2 { font-size: 1.4rem; line-height: 1.35; margin: 2.6rem 0 1rem; }
p { margin: 0 0 1.2rem; }
figure { margin: 2rem 0; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; border-radius: 4px; }
figcaption { margin-top: .6rem; font-size: .92rem; color: #5c5c5c; text-align: center; }
figure.missing { padding: 1rem; border: 1px dashed #bbb; }
)css";

}  // namespace

std::string render_html(const Article& article, const RenderOptions& options, RenderReport& report) {
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"";
  html += article.lang == "zh" ? "zh-CN" : "en";
  html += "\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<meta name=\"generator\" content=\"lingbi\">\n";
  html += "<title>" + escape_markup(article.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
  html += "<h1>" + escape_markup(article.title) + "</h1>\n";

  for (const render::Block& block : render::article_blocks(article)) {
    if (block.kind == render::Block::Kind::heading) {
      html += "<h2>" + escape_markup(*block.text) + "</h2>\n";
    } else if (block.kind == render::Block::Kind::paragraph) {
      html += "<p>" + escape_markup(*block.text) + "</p>\n";
    } else {
      const Slot& slot = *block.slot;
      std::string error;
      auto url = render::inline_jpeg(slot.chosen->path, options.max_image_width, options.jpeg_quality, error);
      if (url) {
        html += "<figure>\n<img src=\"" + *url + "\" alt=\"" + escape_markup(slot.caption) + "\">\n";
      } else {
        report.warnings.push_back(error + "; left out, its caption kept");
        html += "<figure class=\"missing\">\n";
      }
      if (!slot.caption.empty()) html += "<figcaption>" + escape_markup(slot.caption) + "</figcaption>\n";
      html += "</figure>\n";
    }
  }
  html += "</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace lingbi

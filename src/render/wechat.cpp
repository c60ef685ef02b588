// One HTML fragment for WeChat's official-account editor. Its paste filter drops <style>, class
// and id, resets list styles, forbids links outside mp.weixin.qq.com and re-hosts pictures, so
// everything here is inline: each element carries its own style, lists are paragraphs with a
// bullet, other links become numbered references at the end, pictures are data: URLs (or URLs
// under --image-base).
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "assets.h"
#include "base64.hpp"
#include "blocks.h"
#include "escape.h"
#include "lingbi/render/picture.h"
#include "lingbi/render/render.h"
#include "lingbi/util/atomic_write.h"
#include "paragraph_lines.h"

namespace lingbi {

namespace fs = std::filesystem;

namespace {

using render::escape_markup;

constexpr int kMaxWidth = 1080;                 // WeChat shows pictures at most this wide
constexpr size_t kMaxBytes = 1024 * 1024;      // and takes none over 1 MB
constexpr const char* kAccent = "#3f7ee8";
constexpr const char* kLinkColour = "#576b95";  // WeChat's own link colour

// Typography every text element repeats, since the editor may move it out of its container.
// Chinese: wider lines, a little letter spacing, justified, strict line breaking (no closing
// punctuation at the start of a line, where the browser supports it).
std::string text_style(bool zh) {
  return zh ? "font-family:-apple-system,BlinkMacSystemFont,'PingFang SC','Hiragino Sans GB','Microsoft YaHei',"
              "'Noto Sans CJK SC','Source Han Sans SC',sans-serif;line-height:1.8;letter-spacing:0.5px;"
              "text-align:justify;line-break:strict;word-break:normal;overflow-wrap:break-word;"
            : "font-family:-apple-system,BlinkMacSystemFont,'Helvetica Neue',Helvetica,Arial,sans-serif;"
              "line-height:1.75;letter-spacing:0;text-align:left;word-break:normal;overflow-wrap:break-word;"
              "hyphens:auto;";
}

class Fragment {
 public:
  Fragment(const Article& article, const fs::path& out, const RenderOptions& options, RenderReport& report)
      : zh_(article.lang == "zh"), text_(text_style(zh_)), out_(out), options_(options), report_(report) {}

  std::string render(const Article& article) {
    html_ += "<section lang=\"" + std::string(zh_ ? "zh-CN" : "en") + "\" style=\"" + text_ +
             "margin:0;padding:0 4px;font-size:16px;color:#333333;\">\n";
    html_ += "<h1 style=\"" + text_ + "margin:0 0 24px;font-size:22px;line-height:1.4;font-weight:bold;color:#1a1a1a;\">" +
             escape_markup(article.title) + "</h1>\n";
    for (const render::Block& block : render::article_blocks(article)) {
      if (block.kind == render::Block::Kind::heading)
        heading(*block.text);
      else if (block.kind == render::Block::Kind::paragraph)
        paragraph(*block.text);
      else
        picture(*block.slot, block.picture);
    }
    references();
    html_ += "</section>\n";
    return html_;
  }

 private:
  void heading(const std::string& text) {
    html_ += "<h2 style=\"" + text_ + "margin:32px 0 16px;padding-left:10px;border-left:4px solid " + kAccent +
             ";font-size:18px;line-height:1.5;font-weight:bold;color:#1a1a1a;\">" + escape_markup(text) + "</h2>\n";
  }

  void paragraph(const std::string& text) {
    for (const render::Line& line : render::paragraph_lines(text)) {
      if (line.marker.empty()) {
        html_ += "<p style=\"" + text_ + "margin:0 0 16px;font-size:16px;color:#333333;\">";
      } else {
        // A hanging marker: the item's own lines start under its text, as a list's would.
        html_ += "<p style=\"" + text_ + "margin:0 0 8px;padding-left:1.5em;text-indent:-1.5em;font-size:16px;color:#333333;\">";
        html_ += "<span style=\"display:inline-block;width:1.5em;text-indent:0;color:" + std::string(kAccent) + ";\">" +
                 escape_markup(line.marker) + "</span>";
      }
      for (const render::Span& span : line.spans) html_ += inline_span(span);
      html_ += "</p>\n";
    }
  }

  static bool on_wechat(const std::string& url) {
    for (const char* prefix : {"https://mp.weixin.qq.com/", "http://mp.weixin.qq.com/"})
      if (url.rfind(prefix, 0) == 0) return true;
    return false;
  }

  std::string inline_span(const render::Span& span) {
    if (span.url.empty()) return escape_markup(span.text);
    if (on_wechat(span.url))
      return "<a href=\"" + escape_markup(span.url) + "\" style=\"color:" + kLinkColour + ";text-decoration:none;\">" +
             escape_markup(span.text) + "</a>";
    auto [it, added] = reference_numbers_.try_emplace(span.url, static_cast<int>(references_.size()) + 1);
    if (added) references_.push_back({span.text, span.url});
    return "<span style=\"color:" + std::string(kLinkColour) + ";\">" + escape_markup(span.text) +
           "</span><sup style=\"font-size:12px;line-height:0;color:" + kLinkColour + ";\">[" +
           std::to_string(it->second) + "]</sup>";
  }

  // The picture's src: a data: URL, or its URL under image_base with the file written beside `out`.
  std::optional<std::string> picture_source(const Slot& slot, int n) {
    std::string error;
    const std::optional<Jpeg> jpeg = fitted_jpeg(slot.chosen->path, std::min(options_.max_image_width, kMaxWidth),
                                                 options_.jpeg_quality, kMaxBytes, error);
    if (!jpeg) {
      report_.warnings.push_back(error + "; left out, its caption kept");
      return std::nullopt;
    }
    if (options_.image_base.empty())
      return "data:image/jpeg;base64," + base64::encode(jpeg->bytes.data(), jpeg->bytes.size());
    const std::string name = render::asset_file_name(n, fs::path(slot.chosen->path).stem().string() + ".jpg");
    fs::create_directories(render::assets_dir(out_));
    write_file_atomically(render::assets_dir(out_) / name, jpeg->bytes);
    return render::url_under(options_.image_base, name);
  }

  void picture(const Slot& slot, int n) {
    html_ += "<section style=\"margin:24px 0;padding:0;text-align:center;\">\n";
    if (auto src = picture_source(slot, n))
      html_ += "<img src=\"" + escape_markup(*src) + "\" alt=\"" + escape_markup(slot.caption) +
               "\" style=\"display:block;width:auto;max-width:100%;height:auto;margin:0 auto;border-radius:4px;\">\n";
    if (!slot.caption.empty())
      html_ += "<p style=\"" + text_ + "margin:8px 0 0;font-size:14px;line-height:1.6;color:#888888;text-align:center;\">" +
               escape_markup(slot.caption) + "</p>\n";
    html_ += "</section>\n";
  }

  void references() {
    if (references_.empty()) return;
    html_ += "<section style=\"margin:40px 0 0;padding:16px 0 0;border-top:1px solid #e5e5e5;\">\n";
    html_ += "<p style=\"" + text_ + "margin:0 0 8px;font-size:15px;font-weight:bold;color:#1a1a1a;\">" +
             std::string(zh_ ? "参考链接" : "References") + "</p>\n";
    for (size_t i = 0; i < references_.size(); ++i)
      html_ += "<p style=\"" + text_ + "margin:0 0 6px;font-size:13px;line-height:1.6;color:#888888;word-break:break-all;\">[" +
               std::to_string(i + 1) + "] " + escape_markup(references_[i].text) + ": " +
               escape_markup(references_[i].url) + "</p>\n";
    html_ += "</section>\n";
  }

  bool zh_;
  std::string text_;
  const fs::path& out_;
  const RenderOptions& options_;
  RenderReport& report_;
  std::string html_;
  std::map<std::string, int> reference_numbers_;  // URL to its number
  std::vector<render::Span> references_;          // in the order they are numbered
};

}  // namespace

std::string render_wechat(const Article& article, const fs::path& out, const RenderOptions& options,
                          RenderReport& report) {
  return Fragment(article, out, options, report).render(article);
}

}  // namespace lingbi

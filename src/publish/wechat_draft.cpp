// The flow of a WeChat draft: limits first, then token → picture uploads → cover → draft/add.
// The content is lingbi's WeChat fragment (render_wechat) with each inlined picture replaced by
// the URL WeChat gave it; the pictures are already within WeChat's limits (1080 px, 1 MB).
#include <string>
#include <vector>

#include "base64.hpp"
#include "lingbi/publish/wechat.h"
#include "lingbi/render/picture.h"
#include "lingbi/render/render.h"
#include "lingbi/util/error.h"
#include "lingbi/util/utf8.h"
#include "wechat_api.h"

namespace lingbi {

namespace {

size_t characters(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

// A picture inlined in the fragment: where its data: URL stands and its JPEG bytes.
struct Inlined {
  size_t at = 0, length = 0;
  std::string jpeg;
};

std::vector<Inlined> inlined_pictures(const std::string& html) {
  // Found by hand: std::regex recurses per character and overflows the stack on a picture's
  // megabyte of base64.
  static const std::string prefix = "data:image/jpeg;base64,";
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  std::vector<Inlined> found;
  for (size_t at = html.find(prefix); at != std::string::npos; at = html.find(prefix, at + 1)) {
    const size_t start = at + prefix.size();
    size_t end = html.find_first_not_of(alphabet, start);
    if (end == std::string::npos) end = html.size();
    found.push_back({at, end - at, base64::decode(html.substr(start, end - start))});
  }
  return found;
}

// `html` with the pictures' data: URLs replaced by `urls`, in order.
std::string with_urls(const std::string& html, const std::vector<Inlined>& pictures, const std::vector<std::string>& urls) {
  std::string out;
  size_t done = 0;
  for (size_t i = 0; i < pictures.size(); ++i) {
    out += html.substr(done, pictures[i].at - done) + urls[i];
    done = pictures[i].at + pictures[i].length;
  }
  return out + html.substr(done);
}

void check_limits(const Article& article, const WechatOptions& options, const std::string& content) {
  std::vector<std::string> over;
  auto check = [&](const char* name, const std::string& value, size_t limit) {
    if (characters(value) > limit)
      over.push_back(std::string(name) + " has " + std::to_string(characters(value)) + " characters, WeChat takes " +
                     std::to_string(limit));
  };
  check("the title", article.title, WechatLimits::title_chars);
  check("the author (--author)", options.author, WechatLimits::author_chars);
  check("the digest (--digest)", options.digest, WechatLimits::digest_chars);
  check("the content", content, WechatLimits::content_chars);
  if (content.size() >= WechatLimits::content_bytes)
    over.push_back("the content is " + std::to_string(content.size()) + " bytes, WeChat takes less than 1 MB");
  if (article.title.empty()) over.push_back("the title is empty");
  if (over.empty()) return;
  std::string message = "the article is over WeChat's limits, nothing was sent: ";
  for (size_t i = 0; i < over.size(); ++i) message += (i ? "; " : "") + over[i];
  throw Error(message + " (edit the article, or pass a shorter --author/--digest)");
}

}  // namespace

std::string publish_wechat_draft(const Article& article, const WechatOptions& options,
                                 const std::function<void(const std::string&)>& log) {
  RenderOptions render;
  render.format = "wechat";
  RenderReport report;
  const std::string fragment = render_wechat(article, "wechat.html", render, report);
  for (const std::string& w : report.warnings) log("warning: " + w);
  const std::vector<Inlined> pictures = inlined_pictures(fragment);

  // Before any request: the limits, with each picture's URL as long as WeChat's usually are.
  check_limits(article, options, with_urls(fragment, pictures, std::vector<std::string>(pictures.size(), std::string(160, 'x'))));
  std::string cover;
  if (!options.cover.empty()) {
    std::string error;
    auto jpeg = fitted_jpeg(options.cover, 1080, 90, WechatLimits::picture_bytes, error);
    if (!jpeg) throw Error("the cover (--cover): " + error);
    cover = std::move(jpeg->bytes);
  } else if (!pictures.empty()) {
    cover = pictures[0].jpeg;
  } else {
    throw Error("a WeChat draft needs a cover picture and the article has none; give one with --cover");
  }

  publish::WechatApi api(options);
  std::vector<std::string> urls;
  for (size_t i = 0; i < pictures.size(); ++i) {
    const std::string name = "picture-" + std::to_string(i + 1) + ".jpg";
    log("uploading picture " + std::to_string(i + 1) + " of " + std::to_string(pictures.size()) + " (" +
        std::to_string(pictures[i].jpeg.size() / 1024) + " KiB)");
    urls.push_back(api.upload_content_image(name, pictures[i].jpeg));
  }
  log("uploading the cover");
  const std::string thumb = api.add_image_material("cover.jpg", cover);

  const std::string content = with_urls(fragment, pictures, urls);
  check_limits(article, options, content);
  nlohmann::json entry = {{"title", article.title},
                          {"author", options.author},
                          {"digest", options.digest},
                          {"content", content},
                          {"content_source_url", options.content_source_url},
                          {"thumb_media_id", thumb},
                          {"need_open_comment", 0},
                          {"only_fans_can_comment", 0}};
  log("creating the draft");
  return api.add_draft(entry);
}

}  // namespace lingbi

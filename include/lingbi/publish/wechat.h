// A draft in a WeChat official account, through its documented API: an access token (cached
// until it expires), each picture uploaded with media/uploadimg and its URL put in the content,
// the cover uploaded with material/add_material, then draft/add. docs/publish.md has the details.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "lingbi/article/article.h"

namespace lingbi {

struct WechatOptions {
  std::string appid;
  std::string secret;  // never logged, never put in argv
  std::string api_base = "https://api.weixin.qq.com";
  std::string author;              // at most 16 characters
  std::string digest;              // at most 128 characters; WeChat takes the text's start when empty
  std::string content_source_url;  // "阅读原文"; may be empty
  std::string cover;               // a picture file; empty: the article's first picture
  // A folder where the access token is kept until it expires (one file per appid); empty: none.
  std::filesystem::path token_cache;
  int timeout_seconds = 60;
};

// WeChat's documented limits on a draft, checked before any request.
struct WechatLimits {
  static constexpr size_t title_chars = 32;
  static constexpr size_t author_chars = 16;
  static constexpr size_t digest_chars = 128;
  static constexpr size_t content_chars = 20000;
  static constexpr size_t content_bytes = 1024 * 1024;
  static constexpr size_t picture_bytes = 1024 * 1024;  // media/uploadimg: JPEG or PNG under 1 MB
};

// Creates the draft and returns its media_id. `log` hears each step (never the secret or the
// token). Throws lingbi::Error naming what is over a limit (before any request), what WeChat
// answered (errcode, errmsg, and what to do) or why it could not be reached. Reads the article
// only: nothing on disk but the token cache is written.
std::string publish_wechat_draft(const Article& article, const WechatOptions& options,
                                 const std::function<void(const std::string&)>& log);

}  // namespace lingbi

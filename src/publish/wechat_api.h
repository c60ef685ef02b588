// WeChat's official-account API, the calls a draft needs: the access token (cached until it
// expires, fetched again once when WeChat says it expired), media/uploadimg, material/add_material
// and draft/add. Every errcode comes back as a lingbi::Error with what to do about it.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "lingbi/publish/wechat.h"

namespace lingbi::publish {

class WechatApi {
 public:
  explicit WechatApi(const WechatOptions& options) : options_(options) {}

  // The URL WeChat gives a picture for use inside an article's content.
  std::string upload_content_image(const std::string& filename, const std::string& jpeg);
  // The media_id of a permanent image (the draft's cover).
  std::string add_image_material(const std::string& filename, const std::string& jpeg);
  // The media_id of a new draft holding `article` (one entry of draft/add's "articles").
  std::string add_draft(const nlohmann::json& article);

 private:
  std::string token();
  // The file the token is cached in (one per appid), or empty when there is no cache.
  std::filesystem::path token_cache_file() const;
  // Calls `request` with a token; when WeChat says the token expired, once more with a fresh one.
  template <class Request>
  nlohmann::json with_token(const std::string& what, Request request);

  const WechatOptions& options_;
  std::string token_;
};

// What an errcode means for the user: the problem and what to do, or "" for codes not listed.
std::string wechat_errcode_advice(long errcode);

}  // namespace lingbi::publish

#include "wechat_api.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "http.h"
#include "lingbi/util/atomic_write.h"
#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"

namespace lingbi::publish {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// errcodes that mean the token is no longer good.
bool token_expired(long errcode) { return errcode == 40001 || errcode == 40014 || errcode == 42001; }

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// WeChat answers JSON, with errcode set (and not 0) on failure.
json answer_of(const HttpReply& reply, const std::string& what) {
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(what + ": WeChat answered HTTP " + std::to_string(reply.status) +
                " with something that is not JSON; is --wechat-api the right address?");
  return j;
}

long errcode_of(const json& j) { return j.contains("errcode") && j["errcode"].is_number() ? j["errcode"].get<long>() : 0; }

[[noreturn]] void fail(const json& j, const std::string& what) {
  const long code = errcode_of(j);
  std::string message = what + ": WeChat answered errcode " + std::to_string(code);
  if (j.contains("errmsg") && j["errmsg"].is_string()) message += " (" + j["errmsg"].get<std::string>() + ")";
  const std::string advice = wechat_errcode_advice(code);
  throw Error(message + (advice.empty() ? "" : ": " + advice));
}

std::string string_field(const json& j, const char* field, const std::string& what) {
  if (errcode_of(j) != 0) fail(j, what);
  if (!j.contains(field) || !j[field].is_string()) throw Error(what + ": WeChat's answer has no " + field);
  return j[field].get<std::string>();
}

}  // namespace

std::string wechat_errcode_advice(long errcode) {
  switch (errcode) {
    case -1: return "WeChat is busy; try again in a minute";
    case 40001:
    case 40125: return "the AppSecret is wrong; copy it again from the platform (设置与开发 → 基本配置) into the variable --secret-env names";
    case 40013: return "the AppID is wrong; check --appid against the platform (设置与开发 → 基本配置)";
    case 40164: return "this machine's IP address is not on the account's IP whitelist; add it (the address above) under 设置与开发 → 基本配置 → IP白名单 and try again";
    case 40005:
    case 40009: return "WeChat refused the picture (type or size); it takes JPEG or PNG under 1 MB";
    case 40007: return "the cover's media_id is not valid; upload the cover again";
    case 45002:
    case 45003:
    case 45004:
    case 45110: return "a field is longer than WeChat takes (title 32, author 16, digest 128 characters, content 20,000)";
    case 45009: return "the account's daily quota for this API is used up; try tomorrow, or reset it on the platform";
    case 48001: return "the account is not allowed to use this API; the draft API needs an official account with that permission";
    case 50002: return "the account is restricted; see the platform's notices";
    default: return "";
  }
}

fs::path WechatApi::token_cache_file() const {
  if (options_.token_cache.empty()) return {};
  return options_.token_cache / ("wechat-token-" + percent_encode(options_.appid) + ".json");
}

std::string WechatApi::token() {
  if (!token_.empty()) return token_;
  const fs::path cache = token_cache_file();
  if (!cache.empty()) {
    std::ifstream in(cache);
    json cached = json::parse(in, nullptr, false);
    if (!cached.is_discarded() && cached.is_object() && cached.value("expires_at", 0LL) > now_seconds() + 300 &&
        cached["access_token"].is_string()) {
      return token_ = cached["access_token"].get<std::string>();
    }
  }
  const std::string what = "getting an access token";
  const HttpReply reply = http_get(options_.api_base + "/cgi-bin/token?grant_type=client_credential&appid=" +
                                       percent_encode(options_.appid) + "&secret=" + percent_encode(options_.secret),
                                   what, options_.timeout_seconds);
  const json j = answer_of(reply, what);
  token_ = string_field(j, "access_token", what);
  if (!cache.empty()) {
    const long long expires_in = j.value("expires_in", 7200LL);
    std::error_code ec;
    fs::create_directories(options_.token_cache, ec);
    try {
      write_file_atomically(cache, json{{"access_token", token_}, {"expires_at", now_seconds() + expires_in}}.dump());
      fs::permissions(cache, fs::perms::owner_read | fs::perms::owner_write, ec);
    } catch (const Error&) {
      // A token that cannot be cached is fetched again next time; this run goes on.
    }
  }
  return token_;
}

template <class Request>
json WechatApi::with_token(const std::string& what, Request request) {
  json j = answer_of(request(token()), what);
  if (token_expired(errcode_of(j))) {
    token_.clear();
    std::error_code ec;
    if (!token_cache_file().empty()) fs::remove(token_cache_file(), ec);
    j = answer_of(request(token()), what);
  }
  return j;
}

std::string WechatApi::upload_content_image(const std::string& filename, const std::string& jpeg) {
  const std::string what = "uploading picture " + filename;
  const json j = with_token(what, [&](const std::string& token) {
    return http_upload(options_.api_base + "/cgi-bin/media/uploadimg?access_token=" + percent_encode(token),
                       {"media", filename, "image/jpeg", jpeg}, what, options_.timeout_seconds);
  });
  return string_field(j, "url", what);
}

std::string WechatApi::add_image_material(const std::string& filename, const std::string& jpeg) {
  const std::string what = "uploading the cover " + filename;
  const json j = with_token(what, [&](const std::string& token) {
    return http_upload(options_.api_base + "/cgi-bin/material/add_material?access_token=" + percent_encode(token) +
                           "&type=image",
                       {"media", filename, "image/jpeg", jpeg}, what, options_.timeout_seconds);
  });
  return string_field(j, "media_id", what);
}

std::string WechatApi::add_draft(const json& article) {
  const std::string what = "creating the draft";
  const std::string body = json{{"articles", json::array({article})}}.dump();
  const json j = with_token(what, [&](const std::string& token) {
    return http_post(options_.api_base + "/cgi-bin/draft/add?access_token=" + percent_encode(token), body,
                     "application/json; charset=utf-8", what, options_.timeout_seconds);
  });
  return string_field(j, "media_id", what);
}

}  // namespace lingbi::publish

#include "http.h"

#include <curl/curl.h>

#include <mutex>

#include "lingbi/util/c_handle.h"
#include "lingbi/util/error.h"

namespace lingbi::publish {

namespace {

using Easy = CHandle<CURL, curl_easy_cleanup>;
using Slist = CHandle<curl_slist, curl_slist_free_all>;
using Mime = CHandle<curl_mime, curl_mime_free>;

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

Easy start(const std::string& url, HttpReply& reply, int timeout_seconds) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Easy easy(curl_easy_init());
  if (!easy) throw Error("cannot start an HTTP request (libcurl)");
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds));
  return easy;
}

HttpReply finish(CURL* easy, HttpReply& reply, const std::string& what) {
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(easy);
  if (code != CURLE_OK)
    throw Error(what + ": no answer (" + (error[0] ? error : curl_easy_strerror(code)) +
                "); check the network, or the address given with --wechat-api");
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace

HttpReply http_get(const std::string& url, const std::string& what, int timeout_seconds) {
  HttpReply reply;
  Easy easy = start(url, reply, timeout_seconds);
  return finish(easy.get(), reply, what);
}

HttpReply http_post(const std::string& url, const std::string& body, const std::string& content_type,
                    const std::string& what, int timeout_seconds) {
  HttpReply reply;
  Easy easy = start(url, reply, timeout_seconds);
  Slist headers(curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str()));
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  return finish(easy.get(), reply, what);
}

HttpReply http_upload(const std::string& url, const HttpFile& file, const std::string& what, int timeout_seconds) {
  HttpReply reply;
  Easy easy = start(url, reply, timeout_seconds);
  Mime mime(curl_mime_init(easy.get()));
  curl_mimepart* part = curl_mime_addpart(mime.get());
  curl_mime_name(part, file.field.c_str());
  curl_mime_filename(part, file.filename.c_str());
  curl_mime_type(part, file.mime.c_str());
  curl_mime_data(part, file.bytes.data(), file.bytes.size());
  curl_easy_setopt(easy.get(), CURLOPT_MIMEPOST, mime.get());
  return finish(easy.get(), reply, what);
}

}  // namespace lingbi::publish

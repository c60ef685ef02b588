#include "curl_easy.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "lingbi/util/error.h"
#include "lingbi/util/version.h"

namespace lingbi::hub {

Easy new_easy(const std::string& url) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Easy easy(curl_easy_init());
  if (!easy) throw Error("cannot start an HTTP request (libcurl)");
  static const std::string agent = "lingbi/" + std::string(version());
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer (under 1 kB/s for 60 s) ends, so that it can be resumed.
  curl_easy_setopt(easy.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(easy.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  return easy;
}

Slist request_headers(const std::string& token, const std::string& extra) {
  curl_slist* list = nullptr;
  if (!token.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token).c_str());
  if (!extra.empty()) list = curl_slist_append(list, extra.c_str());
  return Slist(list);
}

std::string Headers::get(const std::string& lower_name) const {
  auto it = values.find(lower_name);
  return it == values.end() ? "" : it->second;
}

namespace {

size_t on_header(char* data, size_t size, size_t count, void* out) {
  auto* headers = static_cast<Headers*>(out);
  std::string line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    headers->values.clear();
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon), value = line.substr(colon + 1);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  value.erase(0, value.find_first_not_of(" \t"));
  headers->values[name] = value;
  return size * count;
}

}  // namespace

void collect_headers(CURL* easy, Headers& headers) {
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &headers);
}

}  // namespace lingbi::hub

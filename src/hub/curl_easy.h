// libcurl handles for the hub client, owned by RAII, and the headers every request sends.
#pragma once

#include <curl/curl.h>

#include <map>
#include <string>

#include "lingbi/util/c_handle.h"

namespace lingbi::hub {

using Easy = CHandle<CURL, curl_easy_cleanup>;
using Slist = CHandle<curl_slist, curl_slist_free_all>;

// A handle for `url` with lingbi's user agent and connect timeout; throws lingbi::Error when
// libcurl cannot start one.
Easy new_easy(const std::string& url);

// The request headers: Authorization when `token` is not empty (libcurl does not pass it on to
// another host when following a redirect), plus `extra` lines.
Slist request_headers(const std::string& token, const std::string& extra = "");

// Response headers, names lower-cased; with redirects followed, those of the last response only.
struct Headers {
  std::map<std::string, std::string> values;
  std::string get(const std::string& lower_name) const;
};
// Installs a header callback on `easy` that fills `headers` (cleared at each new status line).
void collect_headers(CURL* easy, Headers& headers);

}  // namespace lingbi::hub

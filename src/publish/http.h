// The few HTTP requests WeChat's API needs, over libcurl: GET, a JSON POST, a multipart upload.
#pragma once

#include <string>

namespace lingbi::publish {

struct HttpReply {
  long status = 0;
  std::string body;
};

struct HttpFile {
  std::string field;      // the form field ("media")
  std::string filename;   // as sent ("01-street.jpg")
  std::string mime;       // "image/jpeg"
  std::string bytes;
};

// Each throws lingbi::Error saying that `what` could not reach its host, and why, when no HTTP
// reply came (refused, dropped, timed out). `url` may hold secrets: it never appears in an error.
HttpReply http_get(const std::string& url, const std::string& what, int timeout_seconds);
HttpReply http_post(const std::string& url, const std::string& body, const std::string& content_type,
                    const std::string& what, int timeout_seconds);
HttpReply http_upload(const std::string& url, const HttpFile& file, const std::string& what, int timeout_seconds);

}  // namespace lingbi::publish

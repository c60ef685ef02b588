// What every request passes before a route sees it: the Host header (against DNS rebinding) and
// the API key; and the headers every answer carries.
#include <algorithm>
#include <cctype>

#include "api.h"

namespace lingbi::server {

namespace {

// The host name of a Host header, without the port, lower case ("[::1]:8080" -> "[::1]").
std::string host_name(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!host.empty() && host.front() == '[') {
    const size_t end = host.find(']');
    return end == std::string::npos ? host : host.substr(0, end + 1);
  }
  const size_t colon = host.find(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

// Compares in time that depends only on the lengths, so the key cannot be guessed byte by byte.
bool same_secret(const std::string& given, const std::string& key) {
  unsigned char diff = given.size() == key.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ key[i % key.size()]);
  return diff == 0;
}

}  // namespace

bool admit(const httplib::Request& req, httplib::Response& res, const ServeOptions& options,
           const std::vector<std::string>& bound_names) {
  const std::string host = host_name(req.get_header_value("Host"));
  const bool known = std::find(bound_names.begin(), bound_names.end(), host) != bound_names.end() ||
                     std::find(options.allowed_hosts.begin(), options.allowed_hosts.end(), host) !=
                         options.allowed_hosts.end();
  if (!known) {
    send_error(
        res, 403, "forbidden_host",
        "the Host header names a host this server does not answer for; start it with --allowed-host NAME");
    return false;
  }
  if (req.path == "/health" || (req.method == "GET" && is_page_path(req.path))) return true;
  if (!options.api_key.empty()) {
    std::string given = req.get_header_value("X-Api-Key");
    const std::string auth = req.get_header_value("Authorization");
    if (given.empty() && auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
    if (given.empty() || !same_secret(given, options.api_key)) {
      send_error(res, 401, "unauthorized",
                 "missing or wrong API key (Authorization: Bearer KEY or X-Api-Key: KEY)");
      return false;
    }
  }
  // The body is not read yet: its headers say whether there is one, what it is, and how large.
  const bool upload = req.path == "/v1/uploads";
  const size_t limit = upload                                   ? options.max_upload
                       : req.path == "/v1/chat/completions" ? options.max_chat_body
                                                            : options.max_body;
  const size_t length = req.get_header_value_u64("Content-Length");
  if (length > limit) {
    res.set_header("Connection", "close");
    send_error(res, 413, "payload_too_large",
               "the body has " + std::to_string(length) + " bytes; at most " + std::to_string(limit) +
                   " are accepted");
    return false;
  }
  const bool has_body = req.get_header_value("Transfer-Encoding") == "chunked" || length > 0;
  const std::string type = req.get_header_value("Content-Type");
  if (has_body && upload && type.rfind("multipart/form-data", 0) != 0 && type.rfind("image/", 0) != 0) {
    send_error(res, 415, "unsupported_media_type",
               "an upload is a picture: multipart/form-data with a \"file\" field, or an image/* body");
    return false;
  }
  if (has_body && !upload && type.rfind("application/json", 0) != 0) {
    send_error(res, 415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)");
    return false;
  }
  return true;
}

void add_safety_headers(httplib::Response& res) {
  // Called before routing and again after (for answers httplib makes itself): each header once, a
  // route's own policy (the page's) left as the route set it.
  const auto once = [&res](const char* name, const char* value) {
    if (!res.has_header(name)) res.set_header(name, value);
  };
  once("Content-Security-Policy", "default-src 'self'");
  once("X-Content-Type-Options", "nosniff");
  once("Referrer-Policy", "no-referrer");
}

}  // namespace lingbi::server

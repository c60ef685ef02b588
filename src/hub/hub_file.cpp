#include "lingbi/hub/hub_file.h"

#include <cstdlib>

#include "curl_easy.h"
#include "lingbi/util/error.h"

namespace lingbi {

std::string HubLocation::url() const { return endpoint + "/" + repo + "/resolve/" + revision + "/" + file; }

std::string hub_endpoint() {
  const char* e = std::getenv("HF_ENDPOINT");
  std::string endpoint = e && *e ? e : "https://huggingface.co";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

std::string hub_token() {
  const char* t = std::getenv("HF_TOKEN");
  return t ? t : "";
}

namespace {

std::string unquote(std::string s) {
  if (s.rfind("W/", 0) == 0) s.erase(0, 2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool is_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

int64_t to_size(const std::string& text) {
  try {
    return text.empty() ? -1 : std::stoll(text);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

HubFileInfo hub_file_info(const HubLocation& where, const std::string& token) {
  hub::Easy easy = hub::new_easy(where.url());
  hub::Slist headers = hub::request_headers(token, "Accept-Encoding: identity");
  hub::Headers reply;
  curl_easy_setopt(easy.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
  hub::collect_headers(easy.get(), reply);
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(easy.get());
  if (code != CURLE_OK)
    throw Error("cannot reach the model hub at " + where.endpoint + " (" + (error[0] ? error : curl_easy_strerror(code)) +
                "); check the network, or set HF_ENDPOINT to a mirror");
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  const std::string error_code = reply.get("x-error-code");
  const std::string what = where.repo + ":" + where.file;
  if (error_code == "RepoNotFound" || (status == 401 && error_code.empty()))
    throw Error("repository " + where.repo + " was not found on " + where.endpoint +
                " (or it is private or gated: set HF_TOKEN to a token that may read it)");
  if (error_code == "RevisionNotFound")
    throw Error("repository " + where.repo + " has no revision '" + where.revision + "'");
  if (error_code == "EntryNotFound" || status == 404)
    throw Error("repository " + where.repo + " has no file '" + where.file + "' at revision " + where.revision +
                "; check the name on the model's page");
  if (error_code == "GatedRepo" || status == 401 || status == 403)
    throw Error(what + ": the hub refused access (HTTP " + std::to_string(status) +
                "); accept the model's licence on its page and set HF_TOKEN");
  if (status >= 400)
    throw Error(what + ": the hub answered HTTP " + std::to_string(status) + "; try again later");

  HubFileInfo info;
  info.commit = reply.get("x-repo-commit");
  const std::string linked_etag = unquote(reply.get("x-linked-etag"));
  const std::string etag = unquote(reply.get("etag"));
  info.etag = !linked_etag.empty() ? linked_etag : etag;
  if (is_sha256(linked_etag)) info.sha256 = linked_etag;
  info.size = to_size(reply.get("x-linked-size"));
  if (info.size < 0 && status < 300) info.size = to_size(reply.get("content-length"));
  if (info.etag.empty())
    throw Error(what + ": the hub's answer has no ETag; is " + where.endpoint + " a Hugging Face-compatible hub?");
  return info;
}

}  // namespace lingbi

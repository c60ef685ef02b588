#include "lingbi/hub/hub_repo.h"

#include <nlohmann/json.hpp>

#include "curl_easy.h"
#include "lingbi/util/error.h"

namespace lingbi {

namespace {

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

std::vector<std::string> hub_list_files(const std::string& endpoint, const std::string& repo,
                                        const std::string& revision, const std::string& token) {
  hub::Easy easy = hub::new_easy(endpoint + "/api/models/" + repo + "/revision/" + revision);
  hub::Slist headers = hub::request_headers(token);
  std::string body;
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &body);
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(easy.get());
  if (code != CURLE_OK)
    throw Error("cannot reach the model hub at " + endpoint + " (" + (error[0] ? error : curl_easy_strerror(code)) +
                "); check the network, or set HF_ENDPOINT to a mirror");
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status == 401 || status == 404)
    throw Error("repository " + repo + " (revision " + revision + ") was not found on " + endpoint +
                " (or it is private or gated: set HF_TOKEN to a token that may read it)");
  if (status >= 400) throw Error(repo + ": the hub's model API answered HTTP " + std::to_string(status));
  std::vector<std::string> files;
  try {
    const nlohmann::json reply = nlohmann::json::parse(body);  // named: at() of a temporary would dangle in the loop
    for (const auto& s : reply.at("siblings")) files.push_back(s.at("rfilename").get<std::string>());
  } catch (const nlohmann::json::exception&) {
    throw Error(repo + ": the hub's model API did not list the repository's files (no siblings)");
  }
  return files;
}

}  // namespace lingbi

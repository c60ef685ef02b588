// What a client sees of an article: pictures by URL (a gallery picture's /v1/images/ID, an
// upload's /v1/uploads/ID), never the file path the article keeps for lingbi's own use.
#include "api.h"

namespace lingbi::server {

using nlohmann::json;

json picture_url(const std::optional<int64_t>& image_id, const std::string& path, const UploadStore& uploads) {
  if (image_id) return "/v1/images/" + std::to_string(*image_id);
  if (std::optional<std::string> id = uploads.id_of_path(path)) return "/v1/uploads/" + *id;
  return nullptr;
}

json for_client(const json& j, const UploadStore& uploads) {
  if (j.is_array()) {
    json out = json::array();
    for (const json& item : j) out.push_back(for_client(item, uploads));
    return out;
  }
  if (!j.is_object()) return j;
  json out = json::object();
  for (const auto& [key, value] : j.items())
    if (key != "path" && key != "path_base64") out[key] = for_client(value, uploads);
  if (j.contains("path")) {
    const std::optional<int64_t> id =
        j.contains("image_id") && j["image_id"].is_number_integer() ? std::optional(j["image_id"].get<int64_t>())
                                                                    : std::nullopt;
    out["url"] = picture_url(id, j["path"].is_string() ? j["path"].get<std::string>() : "", uploads);
  }
  return out;
}

}  // namespace lingbi::server

// The user's own pictures, uploaded for a compose or a search by example: kept under the articles
// folder in uploads/, one file per picture named by its content hash (the same picture uploaded
// twice is kept once) with a small JSON record beside it. Clients name them by id only. Internal
// to src/server.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/util/error.h"

namespace lingbi::server {

struct Upload {
  std::string id;            // "up-" and 16 hex digits of the picture's hash
  std::string content_type;  // "image/jpeg", ...
  std::string name;          // the file name the client gave (display only), may be empty
  size_t bytes = 0;
  int width = 0, height = 0;
  std::string created;    // UTC, ISO 8601
  std::string extension;  // of the kept file (".jpg", ...), as probe_picture named it
  nlohmann::json to_json() const;  // what clients see: no path, no file
};

// A picture refused by UploadStore::add; the message says why.
class InvalidUpload : public Error {
 public:
  using Error::Error;
};

class UploadStore {
 public:
  explicit UploadStore(std::filesystem::path dir);  // creates the folder when needed

  static bool valid_id(std::string_view id);
  // Checks `bytes` (a JPEG, PNG, WebP, GIF, HEIC or TIFF that decodes to its end, at most
  // kMaxPixels pixels) and keeps it; throws InvalidUpload saying what is wrong with it.
  Upload add(std::string_view bytes, const std::string& name);
  std::optional<Upload> find(const std::string& id) const;
  // The kept file of an upload: for the compose and the image embedder, never shown to a client.
  std::filesystem::path path_of(const Upload& upload) const;
  // The upload whose file is `path`, if `path` is one of ours (to address it in an article).
  std::optional<std::string> id_of_path(const std::string& path) const;
  // Newest first. Uploads are never deleted through the API: articles keep pointing at them.
  std::vector<Upload> list() const;

  static constexpr long long kMaxPixels = 100'000'000;

 private:
  const std::filesystem::path dir_;
  mutable std::mutex mutex_;
};

}  // namespace lingbi::server

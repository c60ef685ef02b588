#include "upload_store.h"

#include <algorithm>
#include <fstream>

#include "lingbi/render/picture_probe.h"
#include "lingbi/util/atomic_write.h"
#include "lingbi/util/hash.h"
#include "lingbi/util/utc_time.h"

namespace lingbi::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "up-";

// A display name without anything that could act as a path or a control character.
std::string clean_name(const std::string& name) {
  std::string base = name.substr(name.find_last_of("/\\") == std::string::npos ? 0 : name.find_last_of("/\\") + 1);
  std::string out;
  for (unsigned char ch : base)
    if (ch >= 0x20 && ch != 0x7f) out += static_cast<char>(ch);
  return out.substr(0, 200);
}

Upload from_json(const json& j) {
  Upload u;
  u.id = j.at("id").get<std::string>();
  u.content_type = j.at("content_type").get<std::string>();
  u.name = j.value("name", "");
  u.bytes = j.at("bytes").get<size_t>();
  u.width = j.at("width").get<int>();
  u.height = j.at("height").get<int>();
  u.created = j.value("created", "");
  u.extension = j.at("extension").get<std::string>();
  return u;
}

}  // namespace

json Upload::to_json() const {
  return {{"id", id},         {"object", "upload"}, {"content_type", content_type},
          {"name", name},     {"bytes", bytes},     {"width", width},
          {"height", height}, {"created", created}, {"url", "/v1/uploads/" + id}};
}

UploadStore::UploadStore(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error("cannot create the uploads folder " + dir_.string() + ": " + ec.message());
}

bool UploadStore::valid_id(std::string_view id) {
  return id.size() == kPrefix.size() + 16 && id.substr(0, kPrefix.size()) == kPrefix &&
         std::all_of(id.begin() + kPrefix.size(), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Upload UploadStore::add(std::string_view bytes, const std::string& name) {
  std::string why;
  const std::optional<PictureInfo> info = probe_picture(bytes, kMaxPixels, why);
  if (!info) throw InvalidUpload(why);
  Upload u;
  u.id = std::string(kPrefix) + xxh3_128_hex(bytes.data(), bytes.size()).substr(0, 16);
  u.content_type = info->mime;
  u.extension = info->extension;
  u.name = clean_name(name);
  u.bytes = bytes.size();
  u.width = info->width;
  u.height = info->height;
  u.created = utc_now();
  std::lock_guard lock(mutex_);
  if (std::optional<Upload> kept = find(u.id)) return *kept;  // the same picture, kept once
  // The picture first, then its record: a record always has its file.
  write_file_atomically(path_of(u), bytes);
  json record = u.to_json();
  record["extension"] = u.extension;  // of the kept file; clients see none
  write_file_atomically(dir_ / (u.id + ".json"), record.dump(2) + "\n");
  return u;
}

std::optional<Upload> UploadStore::find(const std::string& id) const {
  if (!valid_id(id)) return std::nullopt;
  std::ifstream in(dir_ / (id + ".json"), std::ios::binary);
  if (!in) return std::nullopt;
  const json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  try {
    Upload u = from_json(j);
    std::error_code ec;
    const bool plain = u.extension.size() > 1 && u.extension[0] == '.' && u.extension.find('/') == std::string::npos;
    if (u.id != id || !plain || !fs::is_regular_file(path_of(u), ec)) return std::nullopt;
    return u;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

fs::path UploadStore::path_of(const Upload& upload) const {
  return dir_ / (upload.id + upload.extension);
}

std::optional<std::string> UploadStore::id_of_path(const std::string& path) const {
  const fs::path p(path);
  if (p.parent_path() != dir_) return std::nullopt;
  const std::string id = p.stem().string();
  if (!valid_id(id)) return std::nullopt;
  return id;
}

std::vector<Upload> UploadStore::list() const {
  std::vector<Upload> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".json") continue;
    if (std::optional<Upload> u = find(e.path().stem().string())) out.push_back(*u);
  }
  std::sort(out.begin(), out.end(), [](const Upload& a, const Upload& b) {
    return a.created != b.created ? a.created > b.created : a.id < b.id;
  });
  return out;
}

}  // namespace lingbi::server

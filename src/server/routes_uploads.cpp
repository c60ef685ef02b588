// /v1/uploads: the user's own pictures, for a compose (its "pictures") or a search by example.
// A picture arrives as a multipart form (field "file", as OpenAI's file uploads take it) or as
// the body itself with an image content type; it is checked by decoding it whole before it is kept.
#include "api.h"
#include "lingbi/render/picture.h"
#include "lingbi/util/read_file.h"

namespace lingbi::server {

using nlohmann::json;

namespace {

Upload add_upload(Context& c, std::string_view bytes, const std::string& name, const char* field) {
  try {
    return c.uploads.add(bytes, name);
  } catch (const InvalidUpload& e) {
    throw BadRequest(std::string(field) + ": " + e.what());
  }
}

}  // namespace

void send_picture(httplib::Response& res, Context& c, const std::string& path, const std::string& key,
                  const std::string& content_type, int width) {
  if (width == 0) {
    const std::vector<unsigned char> bytes = read_file_bytes(path);
    res.set_content(reinterpret_cast<const char*>(bytes.data()), bytes.size(), content_type);
    return;
  }
  const std::string cache_key = key + "-w" + std::to_string(width);
  std::optional<std::string> jpeg = c.thumbnails.find(cache_key);
  if (!jpeg) {
    std::string error;  // names the file: never sent
    jpeg = scaled_jpeg(path, width, 85, error);
    if (!jpeg) throw Error("the picture does not decode");
    c.thumbnails.put(cache_key, *jpeg);
  }
  res.set_content(*jpeg, "image/jpeg");
}

Upload require_upload(const Context& c, const std::string& id) {
  std::optional<Upload> u = c.uploads.find(id);
  if (!u) throw NotFound("no upload " + id.substr(0, 40));
  return *u;
}

void add_upload_routes(httplib::Server& http, Context& c) {
  http.Post("/v1/uploads", [&c](const httplib::Request& req, httplib::Response& res) {
    Upload u;
    if (req.is_multipart_form_data()) {
      if (!req.form.has_file("file")) throw BadRequest("file: required (a form field holding the picture)");
      const httplib::FormData f = req.form.get_file("file");
      u = add_upload(c, f.content, f.filename, "file");
    } else {
      u = add_upload(c, req.body, req.get_param_value("name"), "body");
    }
    send_json(res, 201, u.to_json());
  });
  http.Get("/v1/uploads", [&c](const httplib::Request&, httplib::Response& res) {
    json data = json::array();
    for (const Upload& u : c.uploads.list()) data.push_back(u.to_json());
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  });
  http.Get("/v1/uploads/:id", [&c](const httplib::Request& req, httplib::Response& res) {
    const Upload u = require_upload(c, req.path_params.at("id"));
    const int width = req.has_param("w") ? int_param(req, "w", 0, 16, 4096) : 0;
    const std::string etag = "\"" + u.id + (width ? "-w" + std::to_string(width) : "") + "\"";
    res.set_header("ETag", etag);
    res.set_header("Cache-Control", "private, max-age=3600");
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    send_picture(res, c, c.uploads.path_of(u).string(), u.id, u.content_type, width);
  });
}

}  // namespace lingbi::server

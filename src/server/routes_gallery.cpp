// /v1/gallery, /v1/search and /v1/images: the gallery's pictures, addressed by id only; no
// request names a file and no answer shows a path.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "api.h"
#include "lingbi/gallery/gallery_embedder.h"

namespace lingbi::server {

using nlohmann::json;

namespace {

const Gallery& require_gallery(const Context& c) {
  if (!c.gallery) throw NotFound("this server has no gallery: start it with --gallery G --clip C.gguf");
  return *c.gallery;
}

std::string content_type_of(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".png") return "image/png";
  if (ext == ".webp") return "image/webp";
  if (ext == ".gif") return "image/gif";
  if (ext == ".tif" || ext == ".tiff") return "image/tiff";
  if (ext == ".heic" || ext == ".heif") return "image/heif";
  if (ext == ".avif") return "image/avif";
  return "application/octet-stream";
}

int64_t image_id(const httplib::Request& req) {
  const std::string text = req.path_params.at("id");
  if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), ::isdigit))
    throw NotFound("no image " + text.substr(0, 40));
  return std::stoll(text);
}

// The gallery's best k pictures for `query`, as {"data": [{"id", "score", "caption", ...}]}.
void send_search(httplib::Response& res, Context& c, const std::vector<float>& query, int k,
                 std::vector<int64_t> exclude) {
  std::lock_guard lock(c.gallery_mutex);
  SearchOptions o;
  o.k = k;
  o.exclude = std::move(exclude);
  json data = json::array();
  for (const SearchHit& h : require_gallery(c).search(query, o))
    data.push_back({{"id", h.id},
                    {"score", h.score},
                    {"caption", h.caption},
                    {"width", h.width},
                    {"height", h.height},
                    {"url", "/v1/images/" + std::to_string(h.id)}});
  send_json(res, 200, {{"object", "list"}, {"data", data}});
}

}  // namespace

void add_gallery_routes(httplib::Server& http, Context& c) {
  http.Get("/v1/gallery", [&c](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(c.gallery_mutex);
    const GalleryInfo i = require_gallery(c).info();
    send_json(
        res, 200,
        {{"images", i.images}, {"failed", i.failed}, {"index", i.index}, {"dim", i.dim}, {"model", i.model}});
  });
  http.Get("/v1/search", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string q = req.get_param_value("q");
    if (q.empty()) throw BadRequest("q: required (the text to look for)");
    const int k = int_param(req, "k", 10, 1, 100);
    if (!c.models.embedder)
      throw NotFound("this server has no gallery: start it with --gallery G --clip C.gguf");
    send_search(res, c, c.models.embedder->embed_text(q), k, {});
  });
  // Search by example: pictures like one in the gallery (not among the results) or like an upload.
  http.Post("/v1/search", [&c](const httplib::Request& req, httplib::Response& res) {
    const json body = json_body(req);
    const int k = int_field(body, "k", false, 10, 1, 100);
    if (body.contains("upload")) {
      const Upload u = require_upload(c, string_field(body, "upload", true));
      if (!c.models.embedder)
        throw NotFound("this server has no gallery: start it with --gallery G --clip C.gguf");
      send_search(res, c, Gallery::embed_image_file(*c.models.embedder, c.uploads.path_of(u).string()), k, {});
      return;
    }
    const auto it = body.find("image_id");
    if (it == body.end() || !it->is_number_integer())
      throw BadRequest("image_id: required, an image id (or upload: an upload id)");
    const int64_t id = it->get<int64_t>();
    std::vector<float> query;
    {
      std::lock_guard lock(c.gallery_mutex);
      query = require_gallery(c).vector_of(id);
    }
    if (query.empty()) throw NotFound("no image " + std::to_string(id));
    send_search(res, c, query, k, {id});
  });
  http.Get("/v1/images/:id", [&c](const httplib::Request& req, httplib::Response& res) {
    const int64_t id = image_id(req);
    const int width = req.has_param("w") ? int_param(req, "w", 0, 16, 4096) : 0;  // pixels
    std::optional<ImageRecord> record;
    {
      std::lock_guard lock(c.gallery_mutex);
      record = require_gallery(c).image(id);
    }
    if (!record) throw NotFound("no image " + std::to_string(id));
    const std::string etag = "\"" + record->hash + (width ? "-w" + std::to_string(width) : "") + "\"";
    res.set_header("ETag", etag);
    res.set_header("Cache-Control", "private, max-age=3600");
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    // The first of the image's paths that still reads (a file may have moved since indexing).
    for (const std::string& path : record->paths) {
      try {
        send_picture(res, c, path, record->hash, content_type_of(path), width);
        return;
      } catch (const Error&) {
      }
    }
    throw NotFound("image " + std::to_string(id) +
                   " is no longer readable where it was indexed; run lingbi index --prune");
  });
}

}  // namespace lingbi::server

#include "image_decode.h"

#include <glib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"
#include "lingbi/util/utf8.h"
#include "lingbi/util/vips_init.h"

namespace lingbi::gallery {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Captions are kept to this many bytes, cut between characters.
constexpr size_t kMaxCaptionBytes = 4000;

// Text from a sidecar or a picture's metadata as stored: valid UTF-8 (a file in a legacy encoding
// shows U+FFFD for its bytes), trimmed, at most max_bytes and never cut inside a character.
std::string stored_text(const std::string& text, size_t max_bytes = kMaxCaptionBytes) {
  return std::string(utf8_prefix(valid_utf8(strip(text)), max_bytes));
}

// The first line of libvips' error buffer, which it fills when an operation fails.
std::string vips_reason(const vips::VError& e) {
  std::string msg = e.what();
  vips_error_clear();
  std::string first;
  std::istringstream in(msg);
  std::string line;
  while (std::getline(in, line)) {
    line = strip(line);
    if (!line.empty()) {
      first = line;
      break;
    }
  }
  return first.empty() ? "libvips could not decode it" : first;
}

// libvips formats an EXIF string field as "VALUE (VALUE, ASCII, N components, M bytes)".
std::string exif_string(const vips::VImage& img, const char* field) {
  if (img.get_typeof(field) == 0) return "";
  const std::string s = img.get_string(field);
  const auto p = s.rfind(", ASCII, ");
  if (p == std::string::npos || p < 2) return strip(s);
  const size_t len = (p - 2) / 2;
  if (s.compare(len, 2, " (") != 0) return strip(s);
  return strip(s.substr(0, len));
}

std::string blob_text(const vips::VImage& img, const char* field) {
  if (img.get_typeof(field) == 0) return "";
  size_t n = 0;
  const void* data = img.get_blob(field, &n);
  return std::string(static_cast<const char*>(data), n);
}

// Keywords from XMP dc:subject (each rdf:li) and IPTC record 2, dataset 25.
void embedded_keywords(const vips::VImage& img, std::vector<std::string>& tags) {
  const std::string xmp = blob_text(img, "xmp-data");
  const auto s0 = xmp.find("<dc:subject>"), s1 = xmp.find("</dc:subject>");
  if (s0 != std::string::npos && s1 != std::string::npos) {
    for (size_t p = xmp.find("<rdf:li>", s0); p != std::string::npos && p < s1; p = xmp.find("<rdf:li>", p + 1)) {
      const auto e = xmp.find("</rdf:li>", p);
      if (e == std::string::npos || e > s1) break;
      const std::string t = stored_text(xmp.substr(p + 8, e - p - 8));
      if (!t.empty()) tags.push_back(t);
    }
  }
  const std::string iptc = blob_text(img, "iptc-data");
  for (size_t p = 0; p + 5 <= iptc.size(); ++p) {
    if (iptc[p] != 0x1C || iptc[p + 1] != 0x02 || iptc[p + 2] != 0x19) continue;
    const size_t n = (static_cast<unsigned char>(iptc[p + 3]) << 8) | static_cast<unsigned char>(iptc[p + 4]);
    if (p + 5 + n > iptc.size()) break;
    const std::string t = stored_text(iptc.substr(p + 5, n));
    if (!t.empty()) tags.push_back(t);
    p += 4 + n;
  }
}

void add_unique(std::vector<std::string>& tags, const std::string& t) {
  if (!t.empty() && std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
}

struct UnrefImage {
  void operator()(VipsImage* i) const { g_object_unref(i); }
};

// The JPEG scale (8, 4, 2 or 1) to decode `header`'s file at: the smallest whose shortest side is
// still at least target_size. libvips' thumbnail keeps a factor of 2 for its own resize, which
// decodes a 12-megapixel photo bound for 224 pixels at 1/4 scale (1000 x 750); at 1/8 scale
// libjpeg takes each 8x8 block's mean (its DC coefficient), itself a fine box filter, and decoding
// costs about a third less.
int jpeg_shrink(const vips::VImage& header, int target_size) {
  if (header.get_typeof("vips-loader") == 0 ||
      header.get_string("vips-loader") != std::string("jpegload_buffer"))
    return 1;
  const int shortest = std::min(header.width(), header.height());
  for (int s : {8, 4, 2})
    if (shortest / s >= target_size) return s;
  return 1;
}

}  // namespace

bool is_image_name(const std::string& name) {
  static const char* kExt[] = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".tif",
                               ".tiff", ".bmp", ".heic", ".heif", ".avif", ".jxl"};
  const std::string ext = lower(fs::path(name).extension().string());
  return std::any_of(std::begin(kExt), std::end(kExt), [&](const char* e) { return ext == e; });
}

Appearance appearance_of(const vips::VImage& srgb) {
  size_t n_bytes = 0;
  std::unique_ptr<void, decltype(&g_free)> mem(srgb.write_to_memory(&n_bytes), g_free);
  const auto* px = static_cast<const unsigned char*>(mem.get());
  const size_t n = n_bytes / 3;
  Appearance a;
  if (n == 0) return a;
  double luma = 0, sat = 0, rg_sum = 0, yb_sum = 0, rg_sq = 0, yb_sq = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2];
    luma += (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0;
    const double mx = std::max({r, g, b}), mn = std::min({r, g, b});
    sat += mx > 0 ? (mx - mn) / mx : 0;
    const double rg = r - g, yb = 0.5 * (r + g) - b;
    rg_sum += rg, yb_sum += yb, rg_sq += rg * rg, yb_sq += yb * yb;
  }
  const double mu_rg = rg_sum / n, mu_yb = yb_sum / n;
  const double var_rg = std::max(0.0, rg_sq / n - mu_rg * mu_rg), var_yb = std::max(0.0, yb_sq / n - mu_yb * mu_yb);
  a.luminance = static_cast<float>(luma / n);
  a.saturation = static_cast<float>(sat / n);
  a.colourfulness =
      static_cast<float>(std::sqrt(var_rg + var_yb) + 0.3 * std::sqrt(mu_rg * mu_rg + mu_yb * mu_yb));
  return a;
}

DecodedImage decode_image(const std::string& path, const std::vector<unsigned char>& bytes, int target_size,
                          int64_t max_pixels) {
  ensure_vips();
  if (bytes.empty()) throw Error("empty file (0 bytes)");
  DecodedImage out;
  try {
    // The header alone: libvips reads no pixels until asked.
    vips::VImage header = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                                        vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
    const int64_t pixels = static_cast<int64_t>(header.width()) * header.height();
    if (pixels > max_pixels)
      throw Error("image header claims " + std::to_string(header.width()) + " x " + std::to_string(header.height()) +
                  " pixels, above the limit of " + std::to_string(max_pixels) + " (raise it with --max-pixels)");
    out.width = header.width();
    out.height = header.height();
    if (header.get_typeof("orientation") != 0 && header.get_int("orientation") >= 5) std::swap(out.width, out.height);
    out.caption = stored_text(exif_string(header, "exif-ifd0-ImageDescription"));
    embedded_keywords(header, out.tags);

    // Shrink-on-load to a box whose shortest side is target_size (never enlarging).
    const double scale = std::min(1.0, static_cast<double>(target_size) / std::max(1, std::min(out.width, out.height)));
    const int tw = std::max(1, static_cast<int>(std::ceil(out.width * scale)));
    const int th = std::max(1, static_cast<int>(std::ceil(out.height * scale)));
    VipsImage* raw = nullptr;
    const int shrink = jpeg_shrink(header, target_size);
    if (shrink > 1) {
      vips::VImage small = vips::VImage::new_from_buffer(
          bytes.data(), bytes.size(), "fail_on=truncated",
          vips::VImage::option()->set("shrink", shrink)->set("access", VIPS_ACCESS_SEQUENTIAL));
      if (vips_thumbnail_image(small.get_image(), &raw, tw, "height", th, "size", VIPS_SIZE_DOWN, nullptr) != 0)
        throw vips::VError();
    } else if (vips_thumbnail_buffer(const_cast<unsigned char*>(bytes.data()), bytes.size(), &raw, tw, "height", th,
                                     "size", VIPS_SIZE_DOWN, "option_string", "fail_on=truncated", nullptr) != 0) {
      throw vips::VError();
    }
    vips::VImage thumb(raw, vips::STEAL);
    if (thumb.has_alpha())
      thumb = thumb.flatten(vips::VImage::option()->set("background", std::vector<double>{255, 255, 255}));
    thumb = thumb.colourspace(VIPS_INTERPRETATION_sRGB);
    if (thumb.bands() > 3) thumb = thumb.extract_band(0, vips::VImage::option()->set("n", 3));
    if (thumb.format() != VIPS_FORMAT_UCHAR) thumb = thumb.cast(VIPS_FORMAT_UCHAR);
    out.thumbnail = thumb.copy_memory();  // decodes now, in this thread
    out.appearance = appearance_of(out.thumbnail);
  } catch (const vips::VError& e) {
    throw Error(vips_reason(e));
  }
  read_sidecar(path, out.caption, out.tags);
  return out;
}

void read_sidecar(const std::string& path, std::string& caption, std::vector<std::string>& tags) {
  const fs::path p(path);
  const fs::path stem = p.parent_path() / p.stem();
  for (const fs::path& txt : {fs::path(stem.string() + ".txt"), fs::path(path + ".txt")}) {
    std::ifstream in(txt);
    if (!in) continue;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = stored_text(ss.str());
    if (!text.empty()) caption = text;
    break;
  }
  for (const fs::path& js : {fs::path(stem.string() + ".json"), fs::path(path + ".json")}) {
    std::ifstream in(js);
    if (!in) continue;
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object()) break;
    for (const char* key : {"caption", "description", "title"})
      if (j.contains(key) && j[key].is_string()) {
        caption = stored_text(j[key].get<std::string>());
        break;
      }
    for (const char* key : {"tags", "keywords"})
      if (j.contains(key) && j[key].is_array())
        for (const auto& t : j[key])
          if (t.is_string()) add_unique(tags, stored_text(t.get<std::string>()));
    break;
  }
}

}  // namespace lingbi::gallery

// Markdown with the chosen pictures in an assets folder beside the file (or linked in place).
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "assets.h"
#include "blocks.h"
#include "lingbi/render/render.h"
#include "lingbi/util/error.h"
#include "lingbi/util/utf8.h"

namespace lingbi {

namespace fs = std::filesystem;

namespace {

// Text inside [...] of an image: no brackets or line breaks may end it early.
std::string alt_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') out += ' ';
    else if (c == '[' || c == ']' || c == '\\') out += std::string("\\") + c;
    else out += c;
  }
  return out;
}

// A link destination in <...> may hold spaces; '<', '>' and line breaks must be escaped. As in any
// URL, '%' is written %25; so is each byte of a file name that is not valid UTF-8 (a GBK name) as
// %XX, which keeps the Markdown file UTF-8 and lets a viewer decode the link to the exact name.
std::string destination(const std::string& s) {
  std::string out = "<";
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    next_code_point(s, i);
    const std::string_view piece = std::string_view(s).substr(start, i - start);
    if (piece == "%" || !is_valid_utf8(piece)) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(s[start]));
      out += hex;
    } else if (piece == "<" || piece == ">") {
      out += "\\";
      out += piece;
    } else if (piece != "\n" && piece != "\r") {
      out += piece;
    }
  }
  return out + ">";
}

// Copies the picture for slot `n` into the assets folder; returns its file name there.
std::string copy_asset(const fs::path& source, const fs::path& out, int n) {
  const fs::path dir = render::assets_dir(out);
  fs::create_directories(dir);
  const std::string name = render::asset_file_name(n, source);
  fs::copy_file(source, dir / name, fs::copy_options::overwrite_existing);
  return name;
}

std::string link_to(const fs::path& source, const fs::path& out) {
  std::error_code ec;
  fs::path base = fs::absolute(out, ec).parent_path();
  fs::path rel = fs::relative(fs::absolute(source, ec), base, ec);
  return (ec || rel.empty() ? fs::absolute(source, ec) : rel).generic_string();
}

}  // namespace

std::string render_markdown(const Article& article, const fs::path& out, const RenderOptions& options,
                            RenderReport& report) {
  std::string md = "# " + article.title + "\n\n";
  for (const render::Block& block : render::article_blocks(article)) {
    if (block.kind == render::Block::Kind::heading) {
      md += "## " + *block.text + "\n\n";
      continue;
    }
    if (block.kind == render::Block::Kind::paragraph) {
      md += *block.text + "\n\n";
      continue;
    }
    const Slot& slot = *block.slot;
    const fs::path source = slot.chosen->path;
    std::string target;
    if (!fs::is_regular_file(source)) {
      report.warnings.push_back("picture " + source.string() + " does not exist; left out, its caption kept");
    } else if (options.picture_url) {
      const std::string url = options.picture_url(*slot.chosen);
      if (!url.empty()) target = destination(url);
    } else if (options.link_images && options.image_base.empty()) {
      target = destination(link_to(source, out));
    } else {
      std::string name;
      try {
        name = copy_asset(source, out, block.picture);
      } catch (const fs::filesystem_error& e) {
        throw Error("cannot copy picture " + source.string() + " into the assets folder: " + e.what());
      }
      target = options.image_base.empty()
                   ? destination((fs::path(render::assets_dir(out).filename()) / name).generic_string())
                   : render::url_under(options.image_base, name);
    }
    if (!target.empty()) md += "![" + alt_text(slot.caption) + "](" + target + ")\n";
    if (!slot.caption.empty()) md += "*" + slot.caption + "*\n";
    md += "\n";
  }
  return md;
}

}  // namespace lingbi

// Markdown with the chosen pictures in an assets folder beside the file (or linked in place).
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

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

std::string assets_dir_name(const fs::path& out) { return out.stem().string() + "_assets"; }

// Copies the picture for slot `n` into the assets folder; returns its path relative to the .md file.
std::string copy_asset(const fs::path& source, const fs::path& out, int n) {
  fs::path dir = out.parent_path() / assets_dir_name(out);
  fs::create_directories(dir);
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%02d-", n);
  fs::path name = std::string(prefix) + source.filename().string();
  fs::copy_file(source, dir / name, fs::copy_options::overwrite_existing);
  return (fs::path(assets_dir_name(out)) / name).generic_string();
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
  int index = 0, picture = 0;
  for (const Section& section : article.sections) {
    if (!section.heading.empty()) md += "## " + section.heading + "\n\n";
    for (const std::string& paragraph : section.paragraphs) {
      md += paragraph + "\n\n";
      for (const Slot& slot : article.slots) {
        if (slot.after_paragraph != index || !slot.chosen) continue;
        ++picture;
        const fs::path source = slot.chosen->path;
        std::string target;
        if (!fs::is_regular_file(source)) {
          report.warnings.push_back("picture " + source.string() + " does not exist; left out, its caption kept");
        } else if (options.picture_url) {
          target = options.picture_url(*slot.chosen);
        } else if (options.link_images) {
          target = link_to(source, out);
        } else {
          try {
            target = copy_asset(source, out, picture);
          } catch (const fs::filesystem_error& e) {
            throw Error("cannot copy picture " + source.string() + " into the assets folder: " + e.what());
          }
        }
        if (!target.empty()) md += "![" + alt_text(slot.caption) + "](" + destination(target) + ")\n";
        if (!slot.caption.empty()) md += "*" + slot.caption + "*\n";
        md += "\n";
      }
      ++index;
    }
  }
  return md;
}

}  // namespace lingbi

#include <algorithm>
#include <cctype>

#include "lingbi/render/markdown_zip.h"
#include "lingbi/render/render.h"
#include "lingbi/util/atomic_write.h"
#include "lingbi/util/error.h"

namespace lingbi {

namespace {

std::string format_of(const std::filesystem::path& out, const std::string& format) {
  if (!format.empty()) return format;
  std::string ext = out.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".md" || ext == ".markdown") return "md";
  if (ext == ".html" || ext == ".htm") return "html";
  if (ext == ".json" || ext == ".docx" || ext == ".zip") return ext.substr(1);
  throw Error("cannot tell the format of " + out.string() +
              ": the output must end in .md, .html, .json, .docx or .zip, or give --format");
}

}  // namespace

RenderReport render_to_file(const Article& article, const std::filesystem::path& out, const RenderOptions& options) {
  const std::string format = format_of(out, options.format);
  RenderReport report;
  if (format == "md") {
    write_file_atomically(out, render_markdown(article, out, options, report));
  } else if (format == "html") {
    write_file_atomically(out, render_html(article, options, report));
  } else if (format == "json") {
    save_article(article, out);
  } else if (format == "wechat") {
    write_file_atomically(out, render_wechat(article, out, options, report));
  } else if (format == "zhihu") {
    write_file_atomically(out, render_zhihu(article, out, options, report));
  } else if (format == "docx") {
    write_file_atomically(out, render_docx(article, options, report));
  } else if (format == "zip") {
    write_file_atomically(out, render_markdown_zip(article, out.stem().string(), report));
  } else {
    throw Error("unknown format \"" + format + "\": use html, md, json, wechat, zhihu, docx or zip");
  }
  return report;
}

}  // namespace lingbi

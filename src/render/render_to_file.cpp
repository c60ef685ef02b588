#include <algorithm>
#include <cctype>

#include "lingbi/render/render.h"
#include "lingbi/util/atomic_write.h"
#include "lingbi/util/error.h"

namespace lingbi {

RenderReport render_to_file(const Article& article, const std::filesystem::path& out, const RenderOptions& options) {
  std::string ext = out.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  RenderReport report;
  if (ext == ".md" || ext == ".markdown") {
    write_file_atomically(out, render_markdown(article, out, options, report));
  } else if (ext == ".html" || ext == ".htm") {
    write_file_atomically(out, render_html(article, options, report));
  } else if (ext == ".json") {
    save_article(article, out);
  } else {
    throw Error("cannot tell the format of " + out.string() + ": the output must end in .md, .html or .json");
  }
  return report;
}

}  // namespace lingbi

// Markdown as Zhihu's import reads it: headings, each picture followed by its caption as an
// italic line, links as written. Zhihu must be able to fetch the pictures, so they are either
// linked under --image-base (their files copied beside the .md, to be uploaded there) or packed
// with the .md into a zip.
#include "lingbi/render/markdown_zip.h"
#include "lingbi/render/render.h"
#include "lingbi/util/error.h"

namespace lingbi {

std::string render_zhihu(const Article& article, const std::filesystem::path& out, const RenderOptions& options,
                         RenderReport& report) {
  if (out.extension() == ".zip") return render_markdown_zip(article, out.stem().string(), report);
  if (options.image_base.empty())
    throw Error("Zhihu cannot read pictures from this machine: write " + out.stem().string() +
                ".zip (the Markdown with its pictures) or give --image-base URL where the pictures will be");
  return render_markdown(article, out, options, report);
}

}  // namespace lingbi

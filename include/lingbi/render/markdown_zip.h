// An article as one zip: the Markdown file with its pictures in an assets folder beside it, the
// form editors upload to platforms that import Markdown (and the server's zip export).
#pragma once

#include <string>

#include "lingbi/render/render.h"

namespace lingbi {

// The bytes of a zip holding `NAME.md` and `NAME_assets/` (the pictures render_markdown copies),
// NAME being `name`. Pictures that no longer exist are left out with a warning in `report`, as
// render_markdown does. Throws lingbi::Error when the zip cannot be written.
std::string render_markdown_zip(const Article& article, const std::string& name, RenderReport& report);

}  // namespace lingbi

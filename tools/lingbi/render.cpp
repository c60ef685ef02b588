// `lingbi render article.json -o out.html [-o out.md]`: renders a saved article again, no models.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "lingbi/article/article.h"
#include "lingbi/render/render.h"

namespace lingbi::cli {

namespace {

struct RenderArgs {
  std::string input;
  std::vector<std::string> outputs;
  RenderOptions options;
};

void run_render(const RenderArgs& args) {
  Article article = load_article(args.input);
  for (const std::string& out : args.outputs) {
    RenderReport report = render_to_file(article, out, args.options);
    for (const std::string& w : report.warnings) std::fprintf(stderr, "lingbi: warning: %s\n", w.c_str());
    std::fprintf(stderr, "wrote %s\n", out.c_str());
  }
}

}  // namespace

void add_render_command(CLI::App& app) {
  auto args = std::make_shared<RenderArgs>();
  auto* cmd = app.add_subcommand("render", "Render a saved article (JSON) as Markdown or HTML, without models");
  cmd->add_option("article", args->input, "The article, as written by compose -o X.json")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->outputs, "Output file ending in .md, .html or .json (repeatable)")->required();
  cmd->add_flag("--link", args->options.link_images,
                 "Markdown: link the original picture files instead of copying them into NAME_assets/");
  cmd->add_option("--max-width", args->options.max_image_width, "HTML: scale pictures down to this width")
      ->capture_default_str()->check(CLI::Range(16, 10000));
  cmd->add_option("--quality", args->options.jpeg_quality, "HTML: JPEG quality of inlined pictures")
      ->capture_default_str()->check(CLI::Range(1, 100));
  cmd->callback([args] { run_render(*args); });
}

}  // namespace lingbi::cli

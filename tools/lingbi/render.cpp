// `lingbi render article.json -o out.html [-o out.md] [--format wechat|zhihu|docx]`: renders a
// saved article again, no models.
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
  auto* cmd = app.add_subcommand("render", "Render a saved article (JSON) as Markdown, HTML, a WeChat fragment, "
                                           "Zhihu Markdown or a Word document, without models");
  cmd->footer(
      "Formats (docs/publish.md):\n"
      "  html    one offline page, pictures inlined              (-o a.html)\n"
      "  md      Markdown with pictures in NAME_assets/          (-o a.md)\n"
      "  zip     that Markdown and its pictures in one zip       (-o a.zip)\n"
      "  docx    a Word document: headings, pictures, captions   (-o a.docx)\n"
      "  wechat  an HTML fragment for WeChat's editor: inline styles, links as numbered references,\n"
      "          pictures as data: URLs <= 1080 px and 1 MB, or under --image-base   (-o a.html --format wechat)\n"
      "  zhihu   Markdown for Zhihu's import: a .zip with the pictures, or a .md linking them under\n"
      "          --image-base (files copied to NAME_assets/ for upload)   (-o a.zip --format zhihu)\n"
      "  json    the article itself");
  cmd->add_option("article", args->input, "The article, as written by compose -o X.json")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->outputs,
                  "Output file; its extension (.md, .html, .json, .docx, .zip) picks the format unless --format "
                  "is given (repeatable)")
      ->required();
  cmd->add_option("--format", args->options.format, "Format of every output: html, md, json, zip, docx, wechat, zhihu")
      ->check(CLI::IsMember({"html", "md", "json", "zip", "docx", "wechat", "zhihu"}));
  cmd->add_option("--image-base", args->options.image_base,
                  "wechat, zhihu: link pictures under this URL (their files go to NAME_assets/ for you to upload)");
  cmd->add_flag("--link", args->options.link_images,
                 "Markdown: link the original picture files instead of copying them into NAME_assets/");
  cmd->add_option("--max-width", args->options.max_image_width, "HTML, WeChat (at most 1080): scale pictures down to this width; docx keeps at least 1600")
      ->capture_default_str()->check(CLI::Range(16, 10000));
  cmd->add_option("--quality", args->options.jpeg_quality, "HTML, WeChat: JPEG quality of inlined pictures (WeChat lowers it where a picture is over 1 MB)")
      ->capture_default_str()->check(CLI::Range(1, 100));
  cmd->callback([args] { run_render(*args); });
}

}  // namespace lingbi::cli

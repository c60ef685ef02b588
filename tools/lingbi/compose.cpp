// `lingbi compose "instruction" -m WRITER.gguf --gallery G --clip C.gguf -o out.html`: the main job.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "compose_models.h"
#include "gallery_flags.h"
#include "lingbi/article/article.h"
#include "lingbi/compose/compose.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/render/render.h"
#include "lingbi/util/error.h"
#include "model_flags.h"

namespace lingbi::cli {

namespace {

struct ComposeArgs {
  std::string instruction;
  std::string instruction_file;
  GalleryFlags gallery;
  std::string images = "auto";
  std::vector<std::string> outputs;
  bool link = false;
  bool quiet = false;
  int64_t seed = -1;
  std::string resume;
  ModelFlags writer;
  ModelFlags selector;
  ComposeOptions options;
};

std::string read_instruction(const ComposeArgs& a) {
  if (a.instruction_file.empty()) return a.instruction;
  std::ifstream in(a.instruction_file, std::ios::binary);
  if (!in) throw Error("cannot read the instruction file " + a.instruction_file);
  std::stringstream s;
  s << in.rdbuf();
  return a.instruction.empty() ? s.str() : a.instruction + "\n\n" + s.str();
}

// Ctrl-C and SIGTERM ask the compose to stop; a second one ends the process at once.
std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) {
  stop_requested.store(true);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./,:@") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The command that goes on from `partial`: the same models, gallery and outputs; the instruction
// and the content options come from the partial article.
std::string resume_command(const ComposeArgs& a, const std::filesystem::path& partial) {
  std::string cmd = shell_quote(program_invocation_name) + " compose --resume " + shell_quote(partial.string());
  auto flag = [&](const char* name, const std::string& value) {
    if (!value.empty()) cmd += std::string(" ") + name + " " + shell_quote(value);
  };
  flag("-m", a.writer.local.model.string());
  flag("--mmproj", a.writer.local.mmproj.string());
  flag("--endpoint", a.writer.remote.endpoint);
  flag("--api-model", a.writer.remote.model);
  flag("--vlm", a.selector.local.model.string());
  flag("--vlm-mmproj", a.selector.local.mmproj.string());
  flag("--vlm-endpoint", a.selector.remote.endpoint);
  flag("--vlm-api-model", a.selector.remote.model);
  flag("--gallery", a.gallery.gallery);
  flag("--clip", a.gallery.clip);
  cmd += " -c " + std::to_string(a.writer.local.context) + " -t " + std::to_string(a.writer.local.threads);
  if (a.writer.local.gpu_layers != 0) cmd += " -ngl " + std::to_string(a.writer.local.gpu_layers);
  for (const std::string& out : a.outputs) flag("-o", out);
  if (a.link) cmd += " --link";
  if (a.quiet) cmd += " -q";
  if (!a.writer.remote.api_key.empty() || !a.selector.remote.api_key.empty()) cmd += "  # and your API key";
  return cmd;
}

// Where the article in progress is kept: the resumed file itself, else OUT.partial.json beside
// the first output.
std::filesystem::path partial_path(const ComposeArgs& a) {
  if (!a.resume.empty()) return a.resume;
  std::filesystem::path first(a.outputs.front());
  return first.parent_path() / (first.stem().string() + ".partial.json");
}

// With --resume the instruction and the content options come from the partial article.
void check_resume_flags(const ComposeArgs& a, const CLI::App& cmd) {
  if (a.resume.empty()) return;
  for (const char* name : {"instruction", "--instruction-file", "--words", "--images", "--lang", "--candidates",
                           "--image", "--seed", "--tone-weight", "--select-context"}) {
    if (cmd.count(name) > 0)
      throw Error(std::string(name) + " comes from the partial article with --resume; leave it out");
  }
}

void run_compose(ComposeArgs& a, const CLI::App& cmd) {
  ComposeOptions& o = a.options;
  check_resume_flags(a, cmd);
  std::optional<Article> partial;
  if (!a.resume.empty()) {
    partial = load_article(a.resume);
    if (partial->progress.is_null())
      throw Error(a.resume + " is a complete article: there is nothing to resume (lingbi edit changes one)");
  } else {
    o.instruction = read_instruction(a);
    if (a.images == "auto") {
      o.images = -1;
    } else {
      try {
        size_t used = 0;
        o.images = std::stoi(a.images, &used);
        if (used != a.images.size() || o.images < 0) throw std::invalid_argument(a.images);
      } catch (const std::exception&) {
        throw Error("--images must be auto or a number of pictures, not " + a.images);
      }
    }
    if (a.seed >= 0) o.seed = static_cast<uint32_t>(a.seed);
  }
  for (const std::string& out : a.outputs) {
    std::string ext = std::filesystem::path(out).extension().string();
    if (ext != ".md" && ext != ".html" && ext != ".htm" && ext != ".json" && ext != ".markdown")
      throw Error("cannot tell the format of " + out + ": -o must end in .md, .html or .json");
  }
  // Check everything cheap before loading models.
  const OpenedGallery gallery = open_gallery(a.gallery, a.writer.local.threads);

  const bool tty = isatty(fileno(stderr));
  o.on_progress = [&](const std::string& line) {
    if (!a.quiet) std::fprintf(stderr, tty ? "\033[2m[lingbi] %s\033[0m\n" : "[lingbi] %s\n", line.c_str());
  };
  if (!a.quiet)
    o.on_text = [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    };
  // The article so far is saved after every step, atomically, so a crash loses one step at most.
  const std::filesystem::path saved = partial_path(a);
  bool saved_any = !a.resume.empty();  // a resumed file is there from the start
  o.on_checkpoint = [&](const Article& article) {
    save_article(article, saved);
    saved_any = true;
  };
  stop_requested = false;
  o.cancel = &stop_requested;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  const LoadedModels loaded = load_models(a.writer, a.selector, gallery);
  const ComposeModels& models = loaded.models;

  ComposeResult result;
  try {
    result = partial ? resume_compose(*partial, o, models) : compose_article(o, models);
  } catch (const Interrupted&) {
    std::fflush(stdout);
    if (!a.quiet) std::fputs("\n", stdout);
    std::fprintf(stderr, "lingbi: interrupted; the article so far is saved in %s\nresume with:\n  %s\n",
                 saved.string().c_str(), resume_command(a, saved).c_str());
    throw ExitStatus{130};
  } catch (const Error& e) {
    if (!saved_any) throw;
    if (!a.quiet) std::fputs("\n", stdout);
    throw Error(std::string(e.what()) + "\nthe article so far is saved in " + saved.string() +
                "; when the cause is fixed, resume with:\n  " + resume_command(a, saved));
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!a.quiet) std::fputs("\n", stdout);
  for (const std::string& w : result.warnings) std::fprintf(stderr, "lingbi: warning: %s\n", w.c_str());
  RenderOptions render;
  render.link_images = a.link;
  for (const std::string& out : a.outputs) {
    RenderReport report = render_to_file(result.article, out, render);
    for (const std::string& w : report.warnings) std::fprintf(stderr, "lingbi: warning: %s\n", w.c_str());
    std::fprintf(stderr, "wrote %s\n", out.c_str());
  }
  // Every output is written: the partial article has served its purpose.
  std::error_code ec;
  std::filesystem::remove(saved, ec);
}

}  // namespace

void add_compose_command(CLI::App& app) {
  auto a = std::make_shared<ComposeArgs>();
  auto* cmd = app.add_subcommand("compose", "Write an illustrated article from an instruction, with pictures from your gallery");
  cmd->add_option("instruction", a->instruction, "What to write: a title, an outline, notes or a source text");
  cmd->add_option("--resume", a->resume,
                  "Go on with a partial article (OUT.partial.json, saved after every step) from its last saved step")
      ->check(CLI::ExistingFile);
  cmd->add_option("-f,--instruction-file", a->instruction_file, "Read the instruction (or a source text) from a file")
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", a->outputs, "Output ending in .md, .html or .json (repeatable)")->required();
  add_gallery_flags(cmd, a->gallery, "Gallery folder to take pictures from (lingbi index makes one)");
  a->writer.local.context = 16384;  // the whole article and the questions about it stay in context
  a->writer.remote.retries = 5;     // a server that went away is given 15.5 s to come back
  add_model_flags(cmd, a->writer);
  add_model_flags(cmd, a->selector, "vlm");
  cmd->add_option("--images", a->images, "Pictures: auto (about one per 375 words) or a number")->capture_default_str();
  cmd->add_option("--words", a->options.words,
                  "Target length: words in English, characters in Chinese (default 1500 / 3000)");
  cmd->add_option("--lang", a->options.lang, "auto (follow the instruction), en or zh")
      ->check(CLI::IsMember({"auto", "en", "zh"}))->capture_default_str();
  cmd->add_option("--candidates", a->options.candidates, "Candidates per picture the selector chooses from")
      ->check(CLI::Range(1, 8))->capture_default_str();
  cmd->add_option("--image", a->options.user_images, "A picture of your own to place in the article (repeatable, up to 20)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--seed", a->seed, "Seed: the same seed gives the same article");
  cmd->add_option("--tone-weight", a->options.tone_weight,
                  "How far a slot's tone may reorder candidates, in cosine units")->capture_default_str();
  cmd->add_option("--select-context", a->options.select_context,
                  "What the selector reads beside the candidates: passage (the outline and the paragraphs "
                  "around the picture's place) or article (the whole article; slower, more so as it grows)")
      ->check(CLI::IsMember({"passage", "article"}))->capture_default_str();
  cmd->add_flag("--link", a->link, "Markdown: link pictures instead of copying them into NAME_assets/");
  cmd->add_flag("-q,--quiet", a->quiet, "Do not stream the article or show progress");
  cmd->callback([a, cmd] { run_compose(*a, *cmd); });
}

}  // namespace lingbi::cli

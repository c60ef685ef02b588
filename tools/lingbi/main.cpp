// lingbi: composes illustrated long-form articles from local models and the user's image library.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "lingbi/util/error.h"
#include "lingbi/util/thread_wait.h"
#include "lingbi/util/version.h"

// llama.cpp spells some flags with one dash and several letters (-ngl); CLI11 only takes one
// letter after one dash, so such flags are renamed to their long form before parsing.
std::vector<std::string> llama_style_args(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& a : args) {
    if (a == "-ngl") a = "--n-gpu-layers";
    else if (a.rfind("-ngl=", 0) == 0) a = "--n-gpu-layers=" + a.substr(5);
  }
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  return args;
}

int main(int argc, char** argv) {
  lingbi::prefer_passive_thread_wait(argv);  // first: it may start the program again
  CLI::App app{"lingbi: illustrated long-form articles from local models and your own image library"};
  app.name("lingbi");
  app.require_subcommand(0, 1);
  app.set_version_flag("--version",
                       "lingbi " + std::string(lingbi::version()) + " (llama.cpp " +
                           std::string(lingbi::llama_cpp_commit()) + ")");

  lingbi::cli::add_compose_command(app);
  lingbi::cli::add_render_command(app);
  lingbi::cli::add_publish_command(app);
  lingbi::cli::add_edit_command(app);
  lingbi::cli::add_system_info_command(app);
  lingbi::cli::add_embed_command(app);
  lingbi::cli::add_convert_clip_command(app);
  lingbi::cli::add_index_command(app);
  lingbi::cli::add_search_command(app);
  lingbi::cli::add_gallery_command(app);
  lingbi::cli::add_chat_command(app);
  lingbi::cli::add_serve_command(app);
  lingbi::cli::add_pull_command(app);
  lingbi::cli::add_models_command(app);

  try {
    app.parse(llama_style_args(argc, argv));
    if (app.get_subcommands().empty()) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const lingbi::cli::ExitStatus& e) {
    return e.code;
  } catch (const lingbi::Error& e) {
    std::fprintf(stderr, "lingbi: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lingbi: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}

// lingbi: composes illustrated long-form articles from local models and the user's image library.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "lingbi/error.h"
#include "lingbi/version.h"

int main(int argc, char** argv) {
  CLI::App app{"lingbi: illustrated long-form articles from local models and your own image library"};
  app.name("lingbi");
  app.require_subcommand(0, 1);
  app.set_version_flag("--version",
                       "lingbi " + std::string(lingbi::version()) + " (llama.cpp " +
                           std::string(lingbi::llama_cpp_commit()) + ")");

  lingbi::cli::add_render_command(app);
  lingbi::cli::add_system_info_command(app);
  lingbi::cli::add_embed_command(app);
  lingbi::cli::add_convert_clip_command(app);
  lingbi::cli::add_index_command(app);
  lingbi::cli::add_search_command(app);
  lingbi::cli::add_gallery_command(app);

  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const lingbi::Error& e) {
    std::fprintf(stderr, "lingbi: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lingbi: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}

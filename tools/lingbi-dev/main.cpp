// lingbi-dev: developer-only helpers that make test fixtures. Not installed for users.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "lingbi/util/error.h"
#include "lingbi/util/version.h"
#include "test_pictures.h"

int main(int argc, char** argv) {
  CLI::App app{"lingbi-dev: developer tools that generate test fixtures for lingbi"};
  app.name("lingbi-dev");
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "lingbi-dev " + std::string(lingbi::version()));
  lingbi::dev::add_make_tiny_models_command(app);
  lingbi::dev::add_make_model_command(app);
  lingbi::dev::add_make_test_pictures_command(app);
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lingbi-dev: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

// Each subcommand of lingbi-dev lives in its own file and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

namespace lingbi::dev {

// Adds `lingbi-dev make-tiny-models DIR [--seed S] [--vocab FILE]`.
void add_make_tiny_models_command(CLI::App& app);

// Adds `lingbi-dev make-model --like NAME --type T -o FILE [--mmproj FILE]`.
void add_make_model_command(CLI::App& app);

}  // namespace lingbi::dev

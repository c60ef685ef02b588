// Each subcommand of the lingbi binary lives in its own file and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

namespace lingbi::cli {

// Adds `lingbi system-info`: versions of lingbi and its libraries, and the compute devices found.
void add_system_info_command(CLI::App& app);

// Adds `lingbi chat`: streamed image-text dialogue with a local GGUF model or a remote server.
void add_chat_command(CLI::App& app);

}  // namespace lingbi::cli

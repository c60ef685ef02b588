// `lingbi-dev make-tiny-models DIR`: seeded random-weight models for tests. On the clip branch this
// writes only the CLIP fixtures (DIR/clip-hf/, DIR/clip.gguf); the model work adds its own models.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "tiny_clip.h"

namespace lingbi::dev {

void add_make_tiny_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("make-tiny-models", "Write tiny random-weight test models into DIR (CLIP: clip-hf/ and clip.gguf)");
  static std::string dir;
  static uint32_t seed = 42;
  cmd->add_option("dir", dir, "output folder")->required();
  cmd->add_option("--seed", seed, "random seed")->default_val(42);
  cmd->callback([] {
    write_tiny_clip(dir, seed);
    std::printf("wrote %s/clip-hf and %s/clip.gguf\n", dir.c_str(), dir.c_str());
  });
}

}  // namespace lingbi::dev

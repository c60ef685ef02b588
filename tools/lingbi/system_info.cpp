// `lingbi system-info`: what this build links and which compute devices it sees; useful in bug
// reports and to check that a fresh build works.
#include <faiss/Index.h>
#include <sqlite3.h>
#include <vips/vips.h>

#include <cstdio>
#include <string>

#include "commands.h"
#include "ggml-backend.h"
#include "llama.h"
#include "lingbi/version.h"

namespace lingbi::cli {

namespace {

void quiet_llama_log(ggml_log_level, const char*, void*) {}

void print_system_info() {
  llama_log_set(quiet_llama_log, nullptr);
  llama_backend_init();
  std::printf("lingbi      %s\n", std::string(version()).c_str());
  std::printf("llama.cpp   %s\n", std::string(llama_cpp_commit()).c_str());
  std::printf("FAISS       %d.%d.%d\n", FAISS_VERSION_MAJOR, FAISS_VERSION_MINOR, FAISS_VERSION_PATCH);
  std::printf("SQLite      %s\n", sqlite3_libversion());
  std::printf("libvips     %s\n", vips_version_string());
  std::printf("devices:\n");
  for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
    ggml_backend_dev_t dev = ggml_backend_dev_get(i);
    size_t free_mem = 0, total_mem = 0;
    ggml_backend_dev_memory(dev, &free_mem, &total_mem);
    std::printf("  %-10s %s (%zu MiB)\n", ggml_backend_dev_name(dev), ggml_backend_dev_description(dev),
                total_mem >> 20);
  }
  std::printf("CPU features: %s\n", llama_print_system_info());
  llama_backend_free();
}

}  // namespace

void add_system_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("system-info", "Print versions of lingbi and its libraries, and the compute devices found");
  cmd->callback(print_system_info);
}

}  // namespace lingbi::cli

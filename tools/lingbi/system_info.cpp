// `lingbi system-info`: what this build links and which compute devices it sees; useful in bug
// reports and to check that a fresh build works.
#include <cstdio>
#include <string>

#include "commands.h"
#include "lingbi/gallery/libraries.h"
#include "lingbi/model/devices.h"
#include "lingbi/util/thread_wait.h"
#include "lingbi/util/version.h"
#include "lingbi/util/vips_init.h"

namespace lingbi::cli {

namespace {

void print_system_info() {
  std::printf("lingbi      %s\n", std::string(version()).c_str());
  std::printf("llama.cpp   %s\n", std::string(llama_cpp_commit()).c_str());
  std::printf("FAISS       %s\n", faiss_version().c_str());
  std::printf("SQLite      %s\n", sqlite_version().c_str());
  std::printf("libvips     %s\n", libvips_version().c_str());
  std::printf("devices:\n");
  for (const ComputeDevice& dev : compute_devices()) {
    std::printf("  %-10s %s (%zu MiB)\n", dev.name.c_str(), dev.description.c_str(), dev.total_bytes >> 20);
  }
  std::printf("CPU features: %s\n", cpu_features().c_str());
  std::printf("threads wait: %s (OMP_WAIT_POLICY)\n", thread_wait_policy().c_str());
}

}  // namespace

void add_system_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("system-info", "Print versions of lingbi and its libraries, and the compute devices found");
  cmd->callback(print_system_info);
}

}  // namespace lingbi::cli

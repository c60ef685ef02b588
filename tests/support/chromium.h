// Runs Debian's headless Chromium on a local file: the DOM after load, or a screenshot.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/process.h"
#include "support/temp_dir.h"

namespace lingbi::test {

inline std::string chromium_binary() {
  const char* env = std::getenv("LINGBI_CHROMIUM");
  return env && *env ? env : "/usr/bin/chromium";
}

// Flags for a closed network and a root user: no sandbox, no background connections.
inline std::string chromium_command(const TempDir& profile, const std::string& action, const std::filesystem::path& page) {
  return chromium_binary() +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars"
         " --user-data-dir=" + profile.path().string() + " --virtual-time-budget=10000 " + action +
         " 'file://" + page.string() + "' 2>/dev/null";
}

}  // namespace lingbi::test

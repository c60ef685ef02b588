// Pulling several files from the hub into the model store, one after another, with one total.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "lingbi/hub/hub_file.h"

namespace lingbi {

struct PullItem {
  HubLocation where;
  std::filesystem::path dest;
  std::string expected_sha256;  // from a preset; empty when not known
};

struct PullOptions {
  std::string token;             // HF_TOKEN
  int retries = 2;               // further attempts after a broken connection, each resuming
  std::FILE* progress = stderr;  // a bar on a terminal, plain lines otherwise; nullptr: silent
  double plain_interval_s = 2;   // seconds between plain progress lines
};

struct PullSummary {
  int64_t files = 0, present = 0;  // files asked for, and those already in the store
  int64_t transferred = 0;         // bytes received
};

// Asks the hub about every item first (so a missing file fails before any download), checks that
// the store's file system has room for what is still missing, then downloads each missing item
// (see download_file). Throws lingbi::Error that says what failed and what to do.
PullSummary pull_files(const std::vector<PullItem>& items, const PullOptions& options);

}  // namespace lingbi

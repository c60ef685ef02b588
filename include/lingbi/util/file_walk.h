// Recursive file-system walking that follows symlinks without looping.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lingbi {

struct WalkOptions {
  bool hidden = false;  // also visit files and folders whose name starts with '.'
};

// One regular file found by walk_files; `path` is absolute and lexically normal but keeps the
// symlinks it was reached through. `error` is non-empty when the entry could not be examined
// (a dangling symlink, a permission problem); size and mtime are then 0.
struct WalkEntry {
  std::string path;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string error;
};

// Visits every regular file under each root (a root may itself be a file), depth first in
// name order, so the order is deterministic. Symlinks to folders are followed, but a folder
// already on the current path (same device and inode) is not entered again. `accept(name)`
// filters file names before they are reported. Throws lingbi::Error when a root does not exist.
void walk_files(const std::vector<std::string>& roots, const WalkOptions& options,
                const std::function<bool(const std::string& name)>& accept,
                const std::function<void(const WalkEntry&)>& visit);

}  // namespace lingbi

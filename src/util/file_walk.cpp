// Depth-first walk with an explicit set of the folders on the current path for loop detection.
#include "lingbi/util/file_walk.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "lingbi/util/error.h"

namespace lingbi {

namespace fs = std::filesystem;

namespace {

using DirKey = std::pair<dev_t, ino_t>;

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

class Walker {
 public:
  Walker(const WalkOptions& o, const std::function<bool(const std::string&)>& accept,
         const std::function<void(const WalkEntry&)>& visit)
      : options_(o), accept_(accept), visit_(visit) {}

  void visit_path(const fs::path& path, bool is_root) {
    struct stat st {};
    const std::string name = path.filename().string();
    if (stat(path.c_str(), &st) != 0) {
      // Dangling symlink or unreadable entry: report it when it looks like a file we want.
      if (is_root) throw Error("cannot open " + path.string() + ": " + std::strerror(errno));
      if (accept_(name)) visit_(WalkEntry{path.string(), 0, 0, std::strerror(errno)});
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      DirKey key{st.st_dev, st.st_ino};
      if (on_path_.count(key)) return;  // a symlink back to an ancestor: a loop
      on_path_.insert(key);
      std::vector<fs::path> children;
      std::error_code ec;
      for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string child = it->path().filename().string();
        if (!options_.hidden && !child.empty() && child[0] == '.') continue;
        children.push_back(it->path());
      }
      if (ec && accept_(name)) visit_(WalkEntry{path.string(), 0, 0, ec.message()});
      std::sort(children.begin(), children.end());
      for (const auto& c : children) visit_path(c, false);
      on_path_.erase(key);
      return;
    }
    if (S_ISREG(st.st_mode) && (is_root || accept_(name)))
      visit_(WalkEntry{path.string(), static_cast<int64_t>(st.st_size), mtime_ns(st), ""});
  }

 private:
  const WalkOptions& options_;
  const std::function<bool(const std::string&)>& accept_;
  const std::function<void(const WalkEntry&)>& visit_;
  std::set<DirKey> on_path_;
};

}  // namespace

void walk_files(const std::vector<std::string>& roots, const WalkOptions& options,
                const std::function<bool(const std::string& name)>& accept,
                const std::function<void(const WalkEntry&)>& visit) {
  Walker walker(options, accept, visit);
  for (const auto& root : roots) {
    fs::path p = fs::absolute(root).lexically_normal();
    if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
    walker.visit_path(p, true);
  }
}

}  // namespace lingbi

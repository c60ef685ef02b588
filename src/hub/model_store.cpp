#include "lingbi/hub/model_store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace lingbi {

namespace fs = std::filesystem;

fs::path model_store_dir() {
  if (const char* m = std::getenv("LINGBI_MODELS"); m && *m) return fs::path(m);
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "lingbi" / "models";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : "/tmp") / ".cache" / "lingbi" / "models";
}

fs::path store_path(const fs::path& root, const std::string& repo, const std::string& file) { return root / repo / file; }

std::vector<StoredFile> list_store(const fs::path& root) {
  std::vector<StoredFile> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const fs::path rel = fs::relative(it->path(), root, ec);
    auto part = rel.begin();
    if (std::distance(rel.begin(), rel.end()) < 3) continue;  // owner/name/file at least
    const std::string name = rel.filename().string();
    if (name.ends_with(".part") || name.ends_with(".part.etag")) continue;
    StoredFile f;
    f.repo = part->string() + "/" + std::next(part)->string();
    fs::path file;
    for (auto p = std::next(part, 2); p != rel.end(); ++p) file /= *p;
    f.file = file.string();
    f.path = it->path();
    f.size = static_cast<int64_t>(it->file_size(ec));
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const StoredFile& a, const StoredFile& b) {
    return a.repo != b.repo ? a.repo < b.repo : a.file < b.file;
  });
  return out;
}

int64_t free_bytes(const fs::path& path) {
  fs::path p = fs::absolute(path);
  std::error_code ec;
  while (!fs::exists(p, ec) && p.has_parent_path() && p != p.parent_path()) p = p.parent_path();
  struct statvfs s {};
  if (statvfs(p.c_str(), &s) != 0) return -1;
  return static_cast<int64_t>(s.f_bavail) * static_cast<int64_t>(s.f_frsize);
}

std::string human_bytes(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 5) v /= 1000, ++u;
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

}  // namespace lingbi

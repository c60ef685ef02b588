#include "assets.h"

#include "lingbi/util/strings.h"

#include <cstdio>

namespace lingbi::render {

namespace fs = std::filesystem;

fs::path assets_dir(const fs::path& out) { return out.parent_path() / (out.stem().string() + "_assets"); }

std::string asset_file_name(int n, const fs::path& source) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%02d-", n);
  return prefix + source.filename().string();
}

std::string url_under(const std::string& base, const std::string& name) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + '/' + percent_encode(name);
}

}  // namespace lingbi::render

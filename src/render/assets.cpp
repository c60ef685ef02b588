#include "assets.h"

#include <cctype>
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
  url += '/';
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      url += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      url += hex;
    }
  }
  return url;
}

}  // namespace lingbi::render

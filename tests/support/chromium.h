// Runs Debian's headless Chromium on a local file: the DOM after load, or a screenshot.
#pragma once

#include <cstdlib>
#include <fstream>
#include <regex>
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

// Appended to a copy of the page only: after load, it writes how many pictures decoded.
inline constexpr const char* kLoadProbe = R"(<script>
window.addEventListener('load', () => {
  const all = Array.from(document.images);
  const ok = all.filter(i => i.complete && i.naturalWidth > 0).length;
  const p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = 'images ' + ok + '/' + all.length + ' width ' + document.documentElement.scrollWidth;
  document.body.appendChild(p);
});
</script>)";

struct ImageLoad {
  bool ran = false;  // Chromium ran and the probe reported
  int loaded = 0;    // <img> elements that decoded (naturalWidth > 0)
  int total = 0;
  std::string output;
};

// Opens a copy of `page` with a probe appended in headless Chromium and reports how many of its
// pictures loaded. The page itself is not changed.
inline ImageLoad load_in_chromium(const std::filesystem::path& page) {
  ImageLoad r;
  std::string html;
  {
    std::ifstream in(page);
    html.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::filesystem::path probed = page.parent_path() / (page.stem().string() + ".probed.html");
  const size_t body = html.rfind("</body>");
  std::ofstream(probed) << (body == std::string::npos ? html + kLoadProbe : html.insert(body, kLoadProbe));
  TempDir profile;
  int status = 0;
  r.output = run_capture(chromium_command(profile, "--dump-dom", probed), status);
  std::filesystem::remove(probed);
  std::smatch m;
  if (status == 0 && std::regex_search(r.output, m, std::regex("images (\\d+)/(\\d+) width (\\d+)"))) {
    r.ran = true;
    r.loaded = std::stoi(m[1].str());
    r.total = std::stoi(m[2].str());
  }
  return r;
}

// Saves a screenshot of `page` (width x height) to `png`; true when Chromium wrote it.
inline bool screenshot_in_chromium(const std::filesystem::path& page, const std::filesystem::path& png, int width,
                                   int height) {
  TempDir profile;
  int status = 0;
  std::filesystem::remove(png);
  run_capture(chromium_command(profile, "--window-size=" + std::to_string(width) + "," + std::to_string(height) +
                                            " --screenshot=" + png.string(), page),
              status);
  return status == 0 && std::filesystem::exists(png);
}

}  // namespace lingbi::test

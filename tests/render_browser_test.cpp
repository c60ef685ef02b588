// The HTML page in real headless Chromium: every picture loads, and a screenshot is kept.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "lingbi/article.h"
#include "lingbi/render.h"
#include "support/chromium.h"
#include "support/images.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

// Appended to a copy of the page only: after load, it writes how many pictures decoded.
constexpr const char* kProbe = R"(<script>
window.addEventListener('load', () => {
  const all = Array.from(document.images);
  const ok = all.filter(i => i.complete && i.naturalWidth > 0).length;
  const p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = 'images ' + ok + '/' + all.length + ' width ' + document.documentElement.scrollWidth;
  document.body.appendChild(p);
});
</script>)";

fs::path artifact_dir() {
  fs::path dir = LINGBI_TEST_ARTIFACT_DIR;
  fs::create_directories(dir);
  return dir;
}

Article english_article(const test::TempDir& dir) {
  Article a;
  a.title = "Morning in the City";
  a.lang = "en";
  a.sections = {{"Streets", {"The streets are quiet before seven.", "A bakery opens its doors."}},
                {"River", {"Light falls on the water.", "The day's work begins."}}};
  std::string p1 = test::save(test::gradient(1600, 900), dir / "street.jpg");
  std::string p2 = test::save(test::solid(400, 300, {40, 120, 200}), dir / "river.png");
  std::string p3 = test::save(test::solid(500, 500, {230, 180, 40}), dir / "bakery.webp");
  a.slots = {{0, "A quiet street", "quiet street", "bright", "", {{1, p1, 0.3}}, Choice{1, p1, ""}},
             {1, "The bakery", "bakery", "bright", "", {{3, p3, 0.3}}, Choice{3, p3, ""}},
             {2, "The river at dawn", "river", "neutral", "", {{2, p2, 0.3}}, Choice{2, p2, ""}}};
  return a;
}

TEST(RenderBrowser, EveryPictureLoadsInChromium) {
  test::TempDir dir;
  ASSERT_TRUE(fs::exists(test::chromium_binary())) << "Chromium is missing: ./scripts/setup installs it";
  Article article = english_article(dir);
  const fs::path page = dir / "article.html";
  RenderReport report = render_to_file(article, page, {});
  EXPECT_TRUE(report.warnings.empty());

  std::string html;
  {
    std::ifstream in(page);
    html.assign(std::istreambuf_iterator<char>(in), {});
  }
  const fs::path probed = dir / "probed.html";
  std::ofstream(probed) << std::regex_replace(html, std::regex("</body>"), std::string(kProbe) + "</body>");

  test::TempDir profile;
  int status = 0;
  std::string dom = test::run_capture(test::chromium_command(profile, "--dump-dom", probed), status);
  ASSERT_EQ(status, 0) << dom;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("images (\\d+)/(\\d+) width (\\d+)"))) << dom.substr(0, 2000);
  EXPECT_EQ(m[2].str(), "3");
  EXPECT_EQ(m[1].str(), "3") << "pictures that did not load";

  // The screenshot is kept for a person to look at.
  const fs::path shot = artifact_dir() / "render_browser.png";
  fs::remove(shot);
  test::TempDir profile2;
  test::run_capture(test::chromium_command(profile2, "--window-size=900,2400 --screenshot=" + shot.string(), page), status);
  EXPECT_EQ(status, 0);
  ASSERT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::file_size(shot), 10000u);
}

}  // namespace
}  // namespace lingbi

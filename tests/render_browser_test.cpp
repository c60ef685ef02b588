// The HTML page in real headless Chromium: every picture loads, and a screenshot is kept.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "lingbi/article/article.h"
#include "lingbi/render/render.h"
#include "support/chromium.h"
#include "support/images.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

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
  a.slots = {{0, "A quiet street", "quiet street", "bright", "", {{1, p1, 0.3}}, Choice{1, p1, ""}, "picked"},
             {1, "The bakery", "bakery", "bright", "", {{3, p3, 0.3}}, Choice{3, p3, ""}, "picked"},
             {2, "The river at dawn", "river", "neutral", "", {{2, p2, 0.3}}, Choice{2, p2, ""}, "picked"}};
  return a;
}

TEST(RenderBrowser, EveryPictureLoadsInChromium) {
  test::TempDir dir;
  ASSERT_TRUE(fs::exists(test::chromium_binary())) << "Chromium is missing: ./scripts/setup installs it";
  Article article = english_article(dir);
  const fs::path page = dir / "article.html";
  RenderReport report = render_to_file(article, page, {});
  EXPECT_TRUE(report.warnings.empty());

  test::ImageLoad load = test::load_in_chromium(page);
  ASSERT_TRUE(load.ran) << load.output.substr(0, 2000);
  EXPECT_EQ(load.total, 3);
  EXPECT_EQ(load.loaded, 3) << "pictures that did not load";

  // The screenshot is kept for a person to look at.
  const fs::path shot = artifact_dir() / "render_browser.png";
  fs::remove(shot);
  EXPECT_TRUE(test::screenshot_in_chromium(page, shot, 900, 2400));
  ASSERT_TRUE(fs::exists(shot));
  EXPECT_GT(fs::file_size(shot), 10000u);
}

}  // namespace
}  // namespace lingbi

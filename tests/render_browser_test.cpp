// The HTML page and the WeChat fragment in real headless Chromium: every picture loads, the
// fragment needs no <style> or class, and screenshots are kept.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "lingbi/article/article.h"
#include "lingbi/render/render.h"
#include "support/chromium.h"
#include "support/images.h"
#include "support/temp_dir.h"
#include "support/wechat_page.h"

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
  a.slots = {{0, "A quiet street", "quiet street", "bright", "", {{1, p1, 0.3}}, Choice{1, p1, ""}, "picked", "en"},
             {1, "The bakery", "bakery", "bright", "", {{3, p3, 0.3}}, Choice{3, p3, ""}, "picked", "en"},
             {2, "The river at dawn", "river", "neutral", "", {{2, p2, 0.3}}, Choice{2, p2, ""}, "picked", "en"}};
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

TEST(RenderBrowser, WechatFragmentLooksTheSameAfterWechatsFilterAt390px) {
  test::TempDir dir;
  ASSERT_TRUE(fs::exists(test::chromium_binary())) << "Chromium is missing: ./scripts/setup installs it";
  for (const std::string lang : {"en", "zh"}) {
    Article article = english_article(dir);
    if (lang == "zh") {
      article.lang = "zh";
      article.title = "城市的清晨";
      article.sections = {{"街道", {"七点以前，街道很安静。面包店开门了，空气里有刚出炉的面包香，“早上好！”店主说。"}},
                          {"河流", {"阳光照在河面上。", "一天的工作开始了：\n- 送报\n- 开店"}}};
    }
    const fs::path fragment = dir / ("wechat-" + lang + ".html");
    RenderOptions options;
    options.format = "wechat";
    EXPECT_TRUE(render_to_file(article, fragment, options).warnings.empty());
    std::stringstream html;
    html << std::ifstream(fragment).rdbuf();

    const fs::path page = test::page_around(fragment, html.str(), "page-" + lang + ".html");
    test::ImageLoad load = test::load_in_chromium(page);
    ASSERT_TRUE(load.ran) << load.output.substr(0, 2000);
    EXPECT_EQ(load.loaded, 3);
    EXPECT_EQ(load.total, 3);

    // A phone's width; the screenshot is kept, and the filtered fragment looks the same.
    const fs::path shot = artifact_dir() / ("render_wechat_" + lang + "_390.png");
    ASSERT_TRUE(test::screenshot_in_chromium(page, shot, 390, 2400));
    const fs::path filtered = test::page_around(fragment, test::as_wechat_filters_it(html.str()), "filtered-" + lang + ".html");
    const fs::path filtered_shot = dir / ("filtered-" + lang + ".png");
    ASSERT_TRUE(test::screenshot_in_chromium(filtered, filtered_shot, 390, 2400));
    vips::VImage a = vips::VImage::new_from_file(shot.c_str()), b = vips::VImage::new_from_file(filtered_shot.c_str());
    ASSERT_EQ(a.width(), b.width());
    ASSERT_EQ(a.height(), b.height());
    EXPECT_EQ((a - b).abs().max(), 0) << lang << ": the fragment depends on <style> or class";
  }
}

}  // namespace
}  // namespace lingbi

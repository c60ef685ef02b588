// ./scripts/demo (issue 16 item 4) into a temporary folder: --no-serve writes an article with its
// pictures; the serving form composes the article on `lingbi serve`, whose /health answers and
// which exports the article; Ctrl-C stops both.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "model_support.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string demo() { return std::string(LINGBI_TEST_SOURCE_DIR) + "/scripts/demo"; }

TEST(Demo, WritesAnArticleWithPicturesThenServesOne) {
  test::TempDir dir;
  int status = 0;
  const std::string out =
      test::run_capture("LINGBI_DEMO_DIR='" + (dir / "demo").string() + "' " + demo() + " --no-serve 2>&1", status);
  ASSERT_EQ(status, 0) << out;
  const fs::path html = dir / "demo" / "article.html";
  ASSERT_TRUE(fs::exists(html)) << out;
  const std::string page = slurp(html);
  const std::regex img("<img ");
  const auto images = std::distance(std::sregex_iterator(page.begin(), page.end(), img), std::sregex_iterator());
  EXPECT_EQ(images, 3) << "the article asks for 3 pictures";
  // The Markdown links its pictures, copied from the generated ones.
  int assets = 0;
  for (const auto& e : fs::directory_iterator(dir / "demo" / "article_assets")) assets += e.is_regular_file();
  EXPECT_EQ(assets, 3);
  EXPECT_EQ(fs::file_size(dir / "demo" / "gallery" / "catalog.sqlite") > 0, true);

  // The serving form, on any free port, reusing the models, pictures and gallery made above.
  const fs::path log = dir / "serve-demo.out";
  test::Child child(demo() + " --dir '" + (dir / "demo").string() + "' --port 0", log.string(),
                    (dir / "serve-demo.err").string());
  ASSERT_TRUE(child.started());
  std::smatch m;
  std::string text;
  const std::regex article_line(R"(the demo article: (http://[^/]+)(/v1/articles/[^ \n]+))");
  for (int i = 0; i < 1200 && child.running(); ++i) {
    text = slurp(log);
    if (std::regex_search(text, m, article_line)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_EQ(m.size(), 3u) << text << slurp(dir / "serve-demo.err");
  const std::string base = m[1];
  EXPECT_EQ(test::http_get_status(base + "/health"), 200);
  EXPECT_EQ(test::http_get_status(base + std::string(m[2])), 200);
  EXPECT_EQ(test::http_get_status(base + "/"), 200) << "the studio page";
  EXPECT_NE(text.find("the studio: " + base + "/#/a/"), std::string::npos) << text;
  EXPECT_NE(text.find("lingbi serve: " + base + " (Ctrl-C stops it)"), std::string::npos) << text;
  child.signal(SIGINT);
  EXPECT_EQ(child.wait(), 0);
  // The script took its server with it.
  EXPECT_EQ(test::http_get_status(base + "/health"), 0);
}

}  // namespace
}  // namespace lingbi

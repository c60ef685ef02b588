// The studio page (issue 12): its files as `lingbi serve` sends them (embedded, compressed, with
// ETags; from disk with --ui-dir; open without the key, which every API route still needs), and
// one editor's whole session in Debian's chromium driven by playwright-core (tests/node/studio.mjs).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "support/compose_fixture.h"
#include "support/process.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::Server;

const char* kKey = "studio-s3cret";

std::string web_file(const std::string& name) {
  std::ifstream in(std::string(LINGBI_TEST_SOURCE_DIR) + "/web/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// What a gzip stream inflates to, by Debian's gzip (no one here wrote it).
std::string gunzip(const std::string& bytes, const fs::path& dir) {
  const fs::path file = dir / "body.gz";
  std::ofstream(file, std::ios::binary) << bytes;
  int status = 0;
  return test::run_capture("gzip -dc " + file.string(), status);
}

class StudioFiles : public ::testing::Test {
 protected:
  test::TempDir dir_;
};

TEST_F(StudioFiles, EmbeddedFilesAreCompressedCachedAndOpenWithoutTheKey) {
  Server server(dir_.path() / "articles", std::string("--api-key ") + kKey);
  ASSERT_GT(server.port(), 0);
  auto http = server.client();
  http->set_decompress(false);  // the bytes as sent; Debian's gzip inflates them below

  auto r = http->Get("/", httplib::Headers{{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << "the page loads without the key (it asks for it)";
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(r->body, dir_.path()), web_file("index.html"));
  EXPECT_LT(r->body.size(), web_file("index.html").size());
  // One policy only (two would both apply): the page's, which lets pictures come as blob: URLs.
  EXPECT_EQ(r->get_header_value_count("Content-Security-Policy"), 1u);
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("img-src 'self' blob: data:"), std::string::npos);
  const std::string etag = r->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());

  auto again = http->Get("/", httplib::Headers{{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());

  // Without Accept-Encoding: the file as it is. JavaScript as text/javascript (module scripts need it).
  auto js = http->Get("/ui/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_FALSE(js->has_header("Content-Encoding"));
  EXPECT_EQ(js->body, web_file("app.js"));
  EXPECT_NE(js->get_header_value("ETag"), etag);

  auto vendor = http->Get("/ui/vendor/htm-preact-standalone.js");
  ASSERT_TRUE(vendor);
  EXPECT_EQ(vendor->body, web_file("vendor/htm-preact-standalone.js"));

  for (const char* path : {"/ui/nothing.js", "/ui/../CMakeLists.txt", "/ui/vendor/", "/ui/%2e%2e/README.md"}) {
    auto missing = http->Get(path);
    ASSERT_TRUE(missing) << path;
    EXPECT_EQ(missing->status, 404) << path;
  }
  // The data is still behind the key.
  auto articles = http->Get("/v1/articles");
  ASSERT_TRUE(articles);
  EXPECT_EQ(articles->status, 401);
  auto keyed = http->Get("/v1/articles", httplib::Headers{{"Authorization", std::string("Bearer ") + kKey}});
  ASSERT_TRUE(keyed);
  EXPECT_EQ(keyed->status, 200);
  // The API keeps its own strict policy.
  EXPECT_EQ(keyed->get_header_value("Content-Security-Policy"), "default-src 'self'");
}

TEST_F(StudioFiles, UiDirServesTheFilesOnDiskAsTheyChange) {
  const fs::path ui = dir_.path() / "web";
  fs::create_directories(ui);
  std::ofstream(ui / "index.html") << "<!doctype html><title>first</title>";
  Server server(dir_.path() / "articles", "--ui-dir " + ui.string());
  ASSERT_GT(server.port(), 0);
  auto http = server.client();
  auto r = http->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "<!doctype html><title>first</title>");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  std::ofstream(ui / "index.html") << "<!doctype html><title>second</title>";
  std::ofstream(ui / "x.js") << "export const x = 1;";
  r = http->Get("/");
  EXPECT_EQ(r->body, "<!doctype html><title>second</title>");
  r = http->Get("/ui/x.js");
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http->Get("/ui/app.js")->status, 404) << "with --ui-dir the built-in files are not served";

  int status = 0;
  const std::string out = test::run_capture(test::lingbi_program() + " serve -m " +
                                                (test::tiny_models() / "llm.gguf").string() +
                                                " --port 0 --ui-dir " + (dir_.path() / "none").string() + " 2>&1",
                                            status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("--ui-dir: Directory does not exist"), std::string::npos) << out;
}

// One editor's session in a browser (the scenario is tests/node/studio.mjs).
TEST(StudioBrowser, ComposeReviewEditExportInBothLanguages) {
  const std::string node_dir = std::string(LINGBI_TEST_SOURCE_DIR) + "/tests/node";
  ASSERT_TRUE(fs::exists(node_dir + "/node_modules/playwright-core/package.json"))
      << "playwright-core is not installed: run ./scripts/setup (npm ci in tests/node)";
  test::ComposeGallery gallery(24);
  test::TempDir dir;
  Server server(dir.path() / "articles", std::string("--api-key ") + kKey + " --gallery " +
                                             (gallery.dir.path() / "gallery").string() + " --clip " +
                                             (test::tiny_models() / "clip.gguf").string());
  ASSERT_GT(server.port(), 0);
  const fs::path artifacts = LINGBI_TEST_ARTIFACT_DIR;
  int status = 0;
  const std::string out = test::run_capture("node " + node_dir + "/studio.mjs " + server.base_url() + " " + kKey +
                                                " " + (test::tiny_models() / "image.png").string() + " " +
                                                artifacts.string() + " 2>&1",
                                            status);
  ASSERT_EQ(status, 0) << out;
  // The last line: what the browser measured (reported by docs/studio.md, not asserted as timings).
  const std::string last = out.substr(out.find_last_of('{'));
  const json measured = json::parse(last);
  EXPECT_LE(measured.at("first_load_bytes").get<int>(), 150 * 1024);
  EXPECT_GE(measured.at("first_load_files").get<int>(), 10) << "every module of the page was counted";
  for (const char* name : {"home_en_1280", "article_en_1280", "article_zh_1280", "article_zh_390", "gallery_en_390"})
    EXPECT_TRUE(fs::exists(artifacts / (std::string("studio_") + name + ".png"))) << name;
}

}  // namespace
}  // namespace lingbi

// Articles: JSON round trip and validation, Markdown with assets, self-contained HTML.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "base64.hpp"
#include "lingbi/article/article.h"
#include "lingbi/render/render.h"
#include "lingbi/util/error.h"
#include "lingbi/util/utf8.h"
#include "support/article_schema.h"
#include "support/images.h"
#include "support/percent_decode.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// A Chinese article with four slots: a wide JPEG, a PNG with transparency, a picture that has
// gone missing, and a slot whose selector chose nothing.
class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wide_jpeg = test::save(test::gradient(2000, 500), dir / "wide photo.jpg");
    vips::VImage rgba = test::solid(300, 200, {255, 0, 0}).bandjoin(
        (vips::VImage::xyz(300, 200)[0] < 150).ifthenelse(255, 0).cast(VIPS_FORMAT_UCHAR));
    alpha_png = test::save(rgba, dir / "logo.png");

    article.title = "城市的清晨";
    article.lang = "zh";
    article.instruction = "写一篇关于城市清晨的文章";
    article.sections = {{"第一部分", {"清晨的街道很安静。", "面包店开门了 <script>alert(1)</script>"}},
                        {"第二部分", {"阳光照在河面上。", "人们开始一天的工作。"}}};
    Slot s1{0, "安静的街道", "quiet street at dawn", "bright", "opening", {{17, wide_jpeg, 0.31}, {4, alpha_png, 0.29}},
            Choice{17, wide_jpeg, "best match"}, "picked", "en"};
    Slot s2{2, "河面 [阳光]", "sunlight on river", "bright", "", {{4, alpha_png, 0.4}}, Choice{4, alpha_png, "only one"}, "picked", "en"};
    Slot s3{3, "消失的图片", "missing", "neutral", "", {{9, (dir / "gone.jpg").string(), 0.2}},
            Choice{9, (dir / "gone.jpg").string(), "chosen before the file was deleted"}, "picked", "en"};
    Slot s4{1, "没有选择", "nothing fits", "sombre", "", {}, std::nullopt, "", "en"};
    article.slots = {s1, s2, s3, s4};
    article.seed = 42;
    article.tokens = {1200, 800, 950};
    article.models = {{"writer", "tiny.gguf"}};
    article.timings = {{"write_ms", 12.5}};
  }

  test::TempDir dir;
  std::string wide_jpeg, alpha_png;
  Article article;
};

TEST_F(RenderTest, JsonRoundTripKeepsEverything) {
  const fs::path file = dir / "article.json";
  save_article(article, file);
  Article back = load_article(file);
  EXPECT_EQ(article_to_json(back), article_to_json(article));
  EXPECT_EQ(back.paragraph_count(), 4);
  EXPECT_EQ(back.paragraph(2), "阳光照在河面上。");
  ASSERT_TRUE(back.slots[0].candidates[0].image_id.has_value());
  EXPECT_EQ(*back.slots[0].candidates[0].image_id, 17);
  EXPECT_FALSE(back.slots[3].chosen.has_value());
  EXPECT_THROW(back.paragraph(4), Error);
}

TEST_F(RenderTest, JsonFollowsTheSchemaInTheRepo) {
  test::expect_article_schema(article_to_json(article));
  Article empty;
  empty.lang = "en";
  test::expect_article_schema(article_to_json(empty));
}

TEST_F(RenderTest, MalformedArticlesNameTheProblem) {
  auto expect_error = [](nlohmann::json j, const std::string& fragment) {
    try {
      article_from_json(j);
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  nlohmann::json good = article_to_json(article);
  auto j = good;
  j.erase("title");
  expect_error(j, "title: missing");
  j = good;
  j["slots"][1]["after_paragraph"] = 4;
  expect_error(j, "slots[1].after_paragraph: 4 is not a paragraph");
  j = good;
  j["sections"][0]["paragraphs"][1] = 7;
  expect_error(j, "sections[0].paragraphs[1]: expected a string");
  j = good;
  j["lang"] = "fr";
  expect_error(j, "lang: expected \"en\" or \"zh\"");
  j = good;
  j["slots"][0]["candidates"][0]["score"] = "high";
  expect_error(j, "slots[0].candidates[0].score: expected a number");

  const fs::path broken = dir / "broken.json";
  std::ofstream(broken) << "{\"title\": \"x\", ";
  try {
    load_article(broken);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not valid JSON"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_article(dir / "nope.json"), Error);
}

TEST_F(RenderTest, HtmlIsSelfContainedAndEscaped) {
  RenderReport report;
  RenderOptions options;
  std::string html = render_html(article, options, report);
  EXPECT_NE(html.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<h1>城市的清晨</h1>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(count(html, "<img "), 2u);
  EXPECT_EQ(count(html, "<figcaption>"), 3u);  // the missing picture keeps its caption
  EXPECT_NE(html.find("<figcaption>河面 [阳光]</figcaption>"), std::string::npos);
  EXPECT_EQ(html.find("file://"), std::string::npos);
  EXPECT_EQ(html.find(wide_jpeg), std::string::npos) << "no reference to files on disk";
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("gone.jpg does not exist"), std::string::npos) << report.warnings[0];

  // The inlined pictures decode: the 2000 px JPEG is scaled down to the maximum width, and the
  // PNG's transparent half is flattened onto white.
  std::regex data_url("data:image/jpeg;base64,([A-Za-z0-9+/=]+)");
  std::vector<vips::VImage> pictures;
  for (std::sregex_iterator it(html.begin(), html.end(), data_url), end; it != end; ++it) {
    std::string bytes = base64::decode((*it)[1].str());
    pictures.push_back(vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "").copy_memory());
  }
  ASSERT_EQ(pictures.size(), 2u);
  EXPECT_EQ(pictures[0].width(), options.max_image_width);
  EXPECT_EQ(pictures[0].height(), 300);
  EXPECT_EQ(pictures[1].width(), 300);  // never scaled up
  auto opaque = pictures[1].getpoint(20, 100);
  auto transparent = pictures[1].getpoint(280, 100);
  EXPECT_GT(opaque[0], 240);
  EXPECT_LT(opaque[1], 20);
  EXPECT_GT(transparent[1], 240);  // white, not black
  EXPECT_GT(transparent[2], 240);
}

TEST_F(RenderTest, MarkdownCopiesAssets) {
  const fs::path out = dir / "out" / "article.md";
  fs::create_directories(out.parent_path());
  RenderReport report = render_to_file(article, out, {});
  std::string md = read_file(out);
  EXPECT_EQ(md.rfind("# 城市的清晨\n\n## 第一部分\n\n清晨的街道很安静。\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("![安静的街道](<article_assets/01-wide photo.jpg>)\n*安静的街道*"), std::string::npos) << md;
  EXPECT_NE(md.find("![河面 \\[阳光\\]](<article_assets/02-logo.png>)"), std::string::npos) << md;
  EXPECT_EQ(read_file(out.parent_path() / "article_assets" / "01-wide photo.jpg"), read_file(wide_jpeg));
  EXPECT_EQ(read_file(out.parent_path() / "article_assets" / "02-logo.png"), read_file(alpha_png));
  EXPECT_EQ(std::distance(fs::directory_iterator(out.parent_path() / "article_assets"), fs::directory_iterator()), 2);
  EXPECT_EQ(report.warnings.size(), 1u);
  // The missing picture's caption stays; nothing refers to it.
  EXPECT_NE(md.find("*消失的图片*"), std::string::npos);
  EXPECT_EQ(md.find("gone.jpg"), std::string::npos);
}

TEST_F(RenderTest, MarkdownLinksRelativeWithLink) {
  const fs::path out = dir / "out" / "linked.md";
  fs::create_directories(out.parent_path());
  RenderOptions options;
  options.link_images = true;
  render_to_file(article, out, options);
  std::string md = read_file(out);
  EXPECT_NE(md.find("](<../wide photo.jpg>)"), std::string::npos) << md;
  EXPECT_FALSE(fs::exists(out.parent_path() / "linked_assets"));
}

// File names are bytes: a picture named in GBK (from a Windows zip) survives the JSON, and both
// formats find it; every file written is valid UTF-8.
TEST_F(RenderTest, PathThatIsNotUtf8RoundTripsAndRenders) {
  const std::string name = "\xba\xa3\xb1\xdf\xc8\xd5\xc2\xe4 100%.jpg";  // 海边日落 in GBK, a space, a '%'
  const std::string gbk = (dir / name).string();
  fs::copy_file(wide_jpeg, gbk);
  article.slots[0].candidates[0].path = gbk;
  article.slots[0].chosen->path = gbk;

  const fs::path file = dir / "article.json";
  save_article(article, file);
  const std::string text = read_file(file);
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(text)) << "the article is not strict JSON";
  test::expect_article_schema(j);
  const auto& chosen = j["slots"][0]["chosen"];
  EXPECT_EQ(chosen["path"], valid_utf8(gbk));
  EXPECT_EQ(base64::decode(chosen["path_base64"].get<std::string>()), gbk);
  EXPECT_TRUE(j["slots"][0]["candidates"][0].contains("path_base64"));
  EXPECT_FALSE(j["slots"][0]["candidates"][1].contains("path_base64")) << "only paths that need it";
  Article back = load_article(file);
  EXPECT_EQ(back.slots[0].chosen->path, gbk);
  EXPECT_EQ(back.slots[0].candidates[0].path, gbk);
  EXPECT_EQ(article_to_json(back), article_to_json(article));

  const fs::path md_file = dir / "out" / "gbk.md";
  fs::create_directories(md_file.parent_path());
  RenderReport report = render_to_file(back, md_file, {});
  EXPECT_EQ(report.warnings.size(), 1u);  // gone.jpg only
  const std::string md = read_file(md_file);
  EXPECT_TRUE(is_valid_utf8(md));
  std::smatch link;
  ASSERT_TRUE(std::regex_search(md, link, std::regex("!\\[安静的街道\\]\\(<([^>]*)>\\)"))) << md;
  EXPECT_EQ(link[1].str(), "gbk_assets/01-%BA%A3%B1%DF%C8%D5%C2%E4 100%25.jpg");
  EXPECT_EQ(read_file(md_file.parent_path() / test::percent_decoded(link[1].str())), read_file(wide_jpeg));

  RenderOptions linked;
  linked.link_images = true;
  render_to_file(back, dir / "out" / "linked.md", linked);
  const std::string md_linked = read_file(dir / "out" / "linked.md");
  EXPECT_TRUE(is_valid_utf8(md_linked));
  EXPECT_NE(md_linked.find("](<../%BA%A3%B1%DF%C8%D5%C2%E4 100%25.jpg>)"), std::string::npos) << md_linked;

  report = render_to_file(back, dir / "out" / "gbk.html", {});
  EXPECT_EQ(report.warnings.size(), 1u);
  const std::string html = read_file(dir / "out" / "gbk.html");
  EXPECT_TRUE(is_valid_utf8(html));
  EXPECT_EQ(count(html, "<img "), 2u);

  // A path_base64 that is not base64 is an error that names it, never some other path.
  j["slots"][0]["chosen"]["path_base64"] = "not base64!";
  try {
    article_from_json(j);
    ADD_FAILURE() << "accepted a bad path_base64";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("slots[0].chosen.path_base64: not valid base64"), std::string::npos)
        << e.what();
  }
}

TEST_F(RenderTest, UnknownExtensionAndUnwritableTargetAreErrors) {
  try {
    render_to_file(article, dir / "article.pdf", {});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("must end in .md, .html, .json, .docx or .zip"), std::string::npos);
  }
  // A directory in the way: the write fails, the directory is untouched, no temporary file is left.
  fs::create_directories(dir / "taken.html" / "inside");
  EXPECT_THROW(render_to_file(article, dir / "taken.html", {}), Error);
  EXPECT_TRUE(fs::is_directory(dir / "taken.html" / "inside"));
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
}

}  // namespace
}  // namespace lingbi

namespace lingbi {
namespace {

TEST_F(RenderTest, CliRendersSavedArticle) {
  const fs::path json = dir / "saved.json";
  save_article(article, json);
  const std::string bin = std::string(LINGBI_TEST_BIN_DIR) + "/lingbi";
  int status = 0;
  std::string out = test::run_capture(bin + " render '" + json.string() + "' -o '" + (dir / "a.html").string() +
                                          "' -o '" + (dir / "a.md").string() + "' 2>&1",
                                      status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("warning: picture"), std::string::npos) << out;  // the missing one
  EXPECT_EQ(count(read_file(dir / "a.html"), "<img "), 2u);
  EXPECT_TRUE(fs::exists(dir / "a_assets" / "01-wide photo.jpg"));

  std::ofstream(dir / "bad.json") << "[1, 2";
  out = test::run_capture(bin + " render '" + (dir / "bad.json").string() + "' -o x.html 2>&1", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("is not valid JSON"), std::string::npos) << out;
}

}  // namespace
}  // namespace lingbi

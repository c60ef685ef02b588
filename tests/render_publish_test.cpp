// Publishing formats (issue 13): the WeChat fragment, Zhihu Markdown and .docx, each read back by
// a reader we did not write: Python's html.parser, python3-docx, unzip and Python's zipfile, and
// libvips for the pictures inside.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "base64.hpp"
#include "lingbi/article/article.h"
#include "lingbi/compose/compose.h"
#include "lingbi/model/local_model.h"
#include "lingbi/render/picture.h"
#include "lingbi/render/render.h"
#include "lingbi/util/error.h"
#include "support/chromium.h"
#include "support/compose_fixture.h"
#include "support/images.h"
#include "support/percent_decode.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/wechat_page.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Debian's Python, where python3-docx is installed (a python3 earlier on PATH may lack it).
constexpr const char* kPython = "/usr/bin/python3";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// The JSON one of tests/support/*.py prints for `file`.
json python_reads(const std::string& script, const fs::path& file) {
  int status = 0;
  const std::string out = test::run_capture(std::string(kPython) + " " + LINGBI_TEST_SOURCE_DIR + "/tests/support/" +
                                                script + " " + quoted(file) + " 2>&1",
                                            status);
  EXPECT_EQ(status, 0) << out;
  try {
    return json::parse(out);
  } catch (const json::exception&) {
    ADD_FAILURE() << script << " printed no JSON: " << out;
    return json::object();
  }
}

vips::VImage decode(const std::string& bytes) {
  return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "").copy_memory();
}

// Colour noise: a picture JPEG cannot make small, to push the 1 MB limit.
std::string save_noise(int w, int h, const fs::path& path) {
  ensure_vips();
  vips::VImage noise = vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 90.0)->set("mean", 128.0));
  vips::VImage rgb = noise.bandjoin({vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 90.0)->set("mean", 128.0)),
                                     vips::VImage::gaussnoise(w, h, vips::VImage::option()->set("sigma", 90.0)->set("mean", 128.0))});
  return test::save(rgb.cast(VIPS_FORMAT_UCHAR), path);
}

// Articles in both languages with what the platforms care about: lists, outside links, a link
// to WeChat, a picture too large for WeChat, a wide one, a PNG, one gone missing.
class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    noisy = save_noise(1400, 2600, dir / "noisy.png");
    wide = test::save(test::gradient(2400, 600), dir / "wide photo.jpg");
    small = test::save(test::solid(300, 200, {40, 120, 200}), dir / "small.png");
  }

  static Article make(std::string title, std::string lang, std::vector<Section> sections, std::vector<Slot> slots) {
    Article a;
    a.title = std::move(title);
    a.lang = std::move(lang);
    a.sections = std::move(sections);
    a.slots = std::move(slots);
    return a;
  }

  Article chinese() const {
    return make("城市的清晨：一次“慢”旅行", "zh",
                {{"第一部分", {"清晨的街道很安静，参见[城市规划](https://example.com/plan?a=1&b=2)。",
                               "出门前准备：\n- 一杯热茶\n- 一本书，见[书单](https://example.org/books)\n- 耐心"}},
                 {"第二部分", {"阳光照在河面上，我们的[上一篇文章](https://mp.weixin.qq.com/s/abc123)写过。",
                               "再看[城市规划](https://example.com/plan?a=1&b=2)一次。<b>不是标签</b>"}}},
                {slot(0, "安静的街道", noisy), slot(1, "河面 [阳光]", wide),
                 slot(2, "消失的图片", (dir / "gone.jpg").string()), slot(3, "小图", small),
                 {1, "没有选择", "nothing", "", "", {}, std::nullopt, "", "zh"}});
  }

  Article english() const {
    return make("Morning in the City", "en",
                {{"Streets", {"The streets are quiet before seven; see [the plan](https://example.com/plan).",
                              "Bring:\n1. tea\n2. a book"}},
                 {"River", {"Light falls on the water."}}},
                {slot(0, "A quiet street", wide), slot(2, "The river", small)});
  }

  static Slot slot(int after, const std::string& caption, const std::string& path) {
    return {after, caption, "query", "bright", "", {{1, path, 0.3}}, Choice{1, path, ""}, "picked", "en"};
  }

  test::TempDir dir;
  std::string noisy, wide, small;
};

// --- WeChat -------------------------------------------------------------------------------

std::vector<json> elements_named(const json& parsed, const std::string& tag) {
  std::vector<json> out;
  for (const json& e : parsed["elements"])
    if (e["tag"] == tag) out.push_back(e);
  return out;
}

// The pictures of a WeChat fragment's <img> elements, decoded, each checked to be a JPEG data:
// URL of at most 1 MB and 1080 px wide, as WeChat takes them; one that is not is left out.
std::vector<vips::VImage> embedded_pictures(const std::vector<json>& images) {
  const std::string prefix = "data:image/jpeg;base64,";
  std::vector<vips::VImage> decoded;
  for (const json& img : images) {
    const std::string src = img["attrs"]["src"];
    if (src.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << "not an embedded JPEG: " << src.substr(0, 40);
      continue;
    }
    const std::string bytes = base64::decode(src.substr(prefix.size()));
    EXPECT_LE(bytes.size(), 1024u * 1024u);
    decoded.push_back(decode(bytes));
    EXPECT_LE(decoded.back().width(), 1080);
  }
  return decoded;
}

// What WeChat's paste filter would drop or refuse, whatever the article.
void expect_wechat_safe(const json& parsed) {
  EXPECT_TRUE(parsed["errors"].empty()) << parsed["errors"].dump();
  for (const json& e : parsed["elements"]) {
    const std::string tag = e["tag"];
    EXPECT_NE(tag, "style");
    EXPECT_NE(tag, "script");
    EXPECT_NE(tag, "link");
    EXPECT_NE(tag, "ul");
    EXPECT_NE(tag, "ol");
    for (const auto& [name, value] : e["attrs"].items()) {
      EXPECT_NE(name, "class") << tag;
      EXPECT_NE(name, "id") << tag;
      EXPECT_NE(name.rfind("on", 0), 0u) << tag << " " << name;
    }
    ASSERT_TRUE(e["attrs"].contains("style")) << "<" << tag << "> has no inline style";
    EXPECT_FALSE(e["attrs"]["style"].get<std::string>().empty()) << tag;
    if (tag == "a") {
      const std::string href = e["attrs"]["href"];
      EXPECT_EQ(href.rfind("https://mp.weixin.qq.com/", 0), 0u) << "an outside link left in the body: " << href;
    }
  }
}

TEST_F(PublishTest, WechatChineseFragmentIsInlineWithReferencesAndSmallPictures) {
  const fs::path out = dir / "wechat.html";
  RenderOptions options;
  options.format = "wechat";
  RenderReport report = render_to_file(chinese(), out, options);
  ASSERT_EQ(report.warnings.size(), 1u) << testing::PrintToString(report.warnings);
  EXPECT_NE(report.warnings[0].find("gone.jpg does not exist"), std::string::npos) << report.warnings[0];

  const std::string html = read_file(out);
  EXPECT_EQ(html.find("<!DOCTYPE"), std::string::npos) << "a fragment, not a page";
  EXPECT_EQ(html.find("<html"), std::string::npos);
  const json parsed = python_reads("parse_html.py", out);
  expect_wechat_safe(parsed);

  // The outermost element carries the Chinese typography; so does every paragraph.
  const json& root = parsed["elements"][0];
  EXPECT_EQ(root["depth"], 0);
  EXPECT_EQ(std::count_if(parsed["elements"].begin(), parsed["elements"].end(),
                          [](const json& e) { return e["depth"] == 0; }),
            1)
      << "one root element";
  for (const json& p : elements_named(parsed, "p")) {
    const std::string style = p["attrs"]["style"];
    for (const char* rule : {"line-height:1.8", "letter-spacing:0.5px", "line-break:strict", "PingFang SC", "text-align:"})
      EXPECT_NE(style.find(rule), std::string::npos) << rule << " missing in " << style;
  }
  ASSERT_EQ(elements_named(parsed, "h1").size(), 1u);
  EXPECT_EQ(elements_named(parsed, "h1")[0]["text"], "城市的清晨：一次“慢”旅行");
  ASSERT_EQ(elements_named(parsed, "h2").size(), 2u);
  EXPECT_EQ(elements_named(parsed, "h2")[1]["text"], "第二部分");

  // Paragraph texts, in order: the list became paragraphs with a bullet each; the markup in the
  // model's text stays text; outside links carry a number; the same URL keeps its number.
  // (Captions, centred, are checked below.)
  std::vector<std::string> texts;
  for (const json& p : elements_named(parsed, "p"))
    if (p["attrs"]["style"].get<std::string>().find("text-align:center") == std::string::npos) texts.push_back(p["text"]);
  const std::vector<std::string> expected_start = {
      "清晨的街道很安静，参见城市规划[1]。", "出门前准备：", "•一杯热茶", "•一本书，见书单[2]", "•耐心"};
  ASSERT_GE(texts.size(), expected_start.size());
  for (size_t i = 0; i < expected_start.size(); ++i) EXPECT_EQ(texts[i], expected_start[i]) << i;
  EXPECT_NE(std::find(texts.begin(), texts.end(), "再看城市规划[1]一次。<b>不是标签</b>"), texts.end());
  EXPECT_TRUE(elements_named(parsed, "b").empty());

  // The WeChat link stays a link; the references close the fragment, numbered, with their URLs.
  const auto anchors = elements_named(parsed, "a");
  ASSERT_EQ(anchors.size(), 1u);
  EXPECT_EQ(anchors[0]["attrs"]["href"], "https://mp.weixin.qq.com/s/abc123");
  EXPECT_EQ(anchors[0]["text"], "上一篇文章");
  ASSERT_GE(texts.size(), 3u);
  EXPECT_EQ(texts[texts.size() - 3], "参考链接");
  EXPECT_EQ(texts[texts.size() - 2], "[1] 城市规划: https://example.com/plan?a=1&b=2");
  EXPECT_EQ(texts[texts.size() - 1], "[2] 书单: https://example.org/books");

  // Captions follow their pictures (the missing picture keeps its caption); every picture is a
  // JPEG data: URL that decodes, at most 1080 px wide and 1 MB.
  const auto images = elements_named(parsed, "img");
  ASSERT_EQ(images.size(), 3u);
  const std::vector<vips::VImage> decoded = embedded_pictures(images);
  ASSERT_EQ(decoded.size(), 3u);
  EXPECT_EQ(images[0]["attrs"]["alt"], "安静的街道");
  EXPECT_EQ(decoded[1].width(), 1080);  // the wide one, scaled to WeChat's width
  EXPECT_EQ(decoded[1].height(), 270);
  EXPECT_EQ(decoded[2].width(), 300);  // never scaled up
  // The noise picture at 1080 px and the usual quality is over 1 MB, so the limit did its work.
  std::string error;
  const auto plain = scaled_jpeg(noisy, 1080, RenderOptions{}.jpeg_quality, error);
  ASSERT_TRUE(plain) << error;
  EXPECT_GT(plain->size(), 1024u * 1024u) << "the test picture no longer tests the limit";

  std::vector<std::string> captions;
  for (const json& e : parsed["elements"])
    if (e["tag"] == "p" && e["attrs"]["style"].get<std::string>().find("text-align:center") != std::string::npos)
      captions.push_back(e["text"]);
  EXPECT_EQ(captions, (std::vector<std::string>{"安静的街道", "河面 [阳光]", "消失的图片", "小图"}));
  // Each caption comes right after its picture.
  for (size_t i = 0; i + 1 < parsed["elements"].size(); ++i)
    if (parsed["elements"][i]["tag"] == "img") {
      EXPECT_EQ(parsed["elements"][i + 1]["tag"], "p");
    }
}

TEST_F(PublishTest, WechatEnglishFragmentUsesLatinTypography) {
  const fs::path out = dir / "en.html";
  RenderOptions options;
  options.format = "wechat";
  EXPECT_TRUE(render_to_file(english(), out, options).warnings.empty());
  const json parsed = python_reads("parse_html.py", out);
  expect_wechat_safe(parsed);
  for (const json& p : elements_named(parsed, "p")) {
    const std::string style = p["attrs"]["style"];
    EXPECT_EQ(style.find("PingFang"), std::string::npos) << style;
    EXPECT_NE(style.find("letter-spacing:0;"), std::string::npos) << style;
  }
  std::vector<std::string> texts;
  for (const json& p : elements_named(parsed, "p")) texts.push_back(p["text"]);
  EXPECT_NE(std::find(texts.begin(), texts.end(), "1.tea"), texts.end());
  EXPECT_EQ(texts.back(), "[1] the plan: https://example.com/plan");
  EXPECT_TRUE(elements_named(parsed, "a").empty());
}

TEST_F(PublishTest, WechatImageBaseLinksPicturesAndWritesTheirFiles) {
  const fs::path out = dir / "out" / "post.html";
  fs::create_directories(out.parent_path());
  RenderOptions options;
  options.format = "wechat";
  options.image_base = "https://cdn.example.com/posts/1/";
  render_to_file(chinese(), out, options);
  const json parsed = python_reads("parse_html.py", out);
  expect_wechat_safe(parsed);
  const auto images = elements_named(parsed, "img");
  ASSERT_EQ(images.size(), 3u);
  std::vector<std::string> srcs;
  for (const json& img : images) srcs.push_back(img["attrs"]["src"]);
  EXPECT_EQ(srcs, (std::vector<std::string>{"https://cdn.example.com/posts/1/01-noisy.jpg",
                                            "https://cdn.example.com/posts/1/02-wide%20photo.jpg",
                                            "https://cdn.example.com/posts/1/04-small.jpg"}));
  for (const std::string& src : srcs) {
    const fs::path file = out.parent_path() / "post_assets" / test::percent_decoded(src.substr(src.rfind('/') + 1));
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_LE(fs::file_size(file), 1024u * 1024u);
    EXPECT_LE(decode(read_file(file)).width(), 1080);
  }
  EXPECT_EQ(read_file(out).find("data:"), std::string::npos);
}

// --- Zhihu -------------------------------------------------------------------------------

TEST_F(PublishTest, ZhihuZipHoldsMarkdownWithCaptionsAndPictures) {
  const fs::path out = dir / "zhihu.zip";
  RenderOptions options;
  options.format = "zhihu";
  render_to_file(chinese(), out, options);
  int status = 0;
  const std::string tested = test::run_capture("unzip -t " + quoted(out) + " 2>&1", status);
  EXPECT_EQ(status, 0) << tested;
  EXPECT_NE(tested.find("No errors detected"), std::string::npos) << tested;

  // Python's zipfile reads the entries and the Markdown; every picture the Markdown names is there.
  const std::string script =
      "import json,sys,zipfile\n"
      "z=zipfile.ZipFile(sys.argv[1])\n"
      "print(json.dumps({'names':z.namelist(),'md':z.read('zhihu.md').decode('utf-8')},ensure_ascii=False))\n";
  const fs::path py = dir / "zip.py";
  std::ofstream(py) << script;
  const json zip = json::parse(test::run_capture(std::string(kPython) + " " + quoted(py) + " " + quoted(out), status));
  ASSERT_EQ(status, 0);
  const std::string md = zip["md"];
  EXPECT_EQ(md.rfind("# 城市的清晨：一次“慢”旅行\n\n## 第一部分\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("[上一篇文章](https://mp.weixin.qq.com/s/abc123)"), std::string::npos) << "links kept";
  std::set<std::string> names(zip["names"].begin(), zip["names"].end());
  std::regex picture(R"(!\[((?:\\.|[^\]\\])*)\]\(<([^>]+)>\)\n\*([^*\n]+)\*\n)");
  std::vector<std::string> captions;
  for (std::sregex_iterator it(md.begin(), md.end(), picture), end; it != end; ++it) {
    EXPECT_TRUE(names.count((*it)[2].str())) << (*it)[2].str() << " is not in the zip";
    captions.push_back((*it)[3].str());
  }
  EXPECT_EQ(captions, (std::vector<std::string>{"安静的街道", "河面 [阳光]", "小图"}));
  EXPECT_NE(md.find("\n*消失的图片*\n"), std::string::npos);
}

TEST_F(PublishTest, ZhihuMarkdownLinksUnderImageBaseOrRefuses) {
  const fs::path out = dir / "zhihu.md";
  RenderOptions options;
  options.format = "zhihu";
  try {
    render_to_file(chinese(), out, options);
    ADD_FAILURE() << "wrote Markdown whose pictures Zhihu cannot fetch";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--image-base"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));

  options.image_base = "https://img.example.com/a";
  render_to_file(chinese(), out, options);
  const std::string md = read_file(out);
  EXPECT_NE(md.find("![河面 \\[阳光\\]](https://img.example.com/a/02-wide%20photo.jpg)\n*河面 [阳光]*\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(read_file(dir / "zhihu_assets" / "02-wide photo.jpg"), read_file(wide)) << "the file to upload";
  EXPECT_EQ(md.find(dir.path().string()), std::string::npos) << "no local paths";
}

// --- docx --------------------------------------------------------------------------------

// The paragraphs python-docx reads back, against the article they came from.
void expect_docx_matches(const json& doc, const Article& article, const std::vector<std::string>& captions_with_pictures) {
  EXPECT_EQ(doc["title"], article.title);
  std::vector<std::string> headings;
  int pictures = 0;
  for (const json& p : doc["paragraphs"]) {
    const std::string style = p["style"];
    if (style == "Heading 1" || style == "Heading 2") headings.push_back(p["text"]);
    if (!p["pictures"].empty()) ++pictures;
  }
  std::vector<std::string> expected_headings = {article.title};
  for (const Section& s : article.sections) expected_headings.push_back(s.heading);
  EXPECT_EQ(headings, expected_headings);
  EXPECT_EQ(pictures, static_cast<int>(captions_with_pictures.size()));
  EXPECT_EQ(doc["inline_shapes"].size(), captions_with_pictures.size());
  // Each picture is followed by its caption.
  std::vector<std::string> after_picture;
  const json& ps = doc["paragraphs"];
  for (size_t i = 0; i + 1 < ps.size(); ++i)
    if (!ps[i]["pictures"].empty()) {
      EXPECT_EQ(ps[i + 1]["style"], "Caption");
      after_picture.push_back(ps[i + 1]["text"]);
    }
  EXPECT_EQ(after_picture, captions_with_pictures);
  // No picture is wider than the text.
  for (const json& shape : doc["inline_shapes"]) EXPECT_LE(shape["width"].get<long>(), doc["text_width"].get<long>());
}

TEST_F(PublishTest, DocxChineseReadsBackWithPythonDocx) {
  const fs::path out = dir / "article.docx";
  const Article article = chinese();
  RenderReport report = render_to_file(article, out, {});  // chosen by the extension
  ASSERT_EQ(report.warnings.size(), 1u);
  int status = 0;
  EXPECT_EQ((test::run_capture("unzip -t " + quoted(out) + " 2>&1", status), status), 0);

  const json doc = python_reads("read_docx.py", out);
  expect_docx_matches(doc, article, {"安静的街道", "河面 [阳光]", "小图"});
  EXPECT_EQ(doc["language"], "zh-CN");

  // Paragraph texts in order, the list as hanging items, the link texts inside.
  std::vector<std::string> texts;
  std::vector<std::string> captions;
  for (const json& p : doc["paragraphs"]) {
    if (p["style"] == "Normal" && p["pictures"].empty()) texts.push_back(p["text"]);
    if (p["style"] == "Caption") captions.push_back(p["text"]);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"清晨的街道很安静，参见城市规划。", "出门前准备：", "•\t一杯热茶",
                                             "•\t一本书，见书单", "•\t耐心", "阳光照在河面上，我们的上一篇文章写过。",
                                             "再看城市规划一次。<b>不是标签</b>"}));
  EXPECT_EQ(captions, (std::vector<std::string>{"安静的街道", "河面 [阳光]", "消失的图片", "小图"}));
  std::vector<std::string> urls;
  for (const json& l : doc["links"]) urls.push_back(l["url"]);
  EXPECT_EQ(urls, (std::vector<std::string>{"https://example.com/plan?a=1&b=2", "https://example.org/books",
                                            "https://mp.weixin.qq.com/s/abc123", "https://example.com/plan?a=1&b=2"}));

  // Pictures at their pixel sizes (JPEG, scaled down only), sized in EMU from them.
  std::vector<json> pictures;
  for (const json& p : doc["paragraphs"])
    for (const json& pic : p["pictures"]) pictures.push_back(pic);
  ASSERT_EQ(pictures.size(), 3u);
  for (const json& pic : pictures) EXPECT_EQ(pic["content_type"], "image/jpeg");
  EXPECT_EQ(pictures[1]["px_width"], 1600);
  EXPECT_EQ(pictures[1]["px_height"], 400);
  EXPECT_EQ(pictures[2]["px_width"], 300);
  EXPECT_EQ(doc["inline_shapes"][2]["width"], 300 * 9525);
  EXPECT_EQ(doc["inline_shapes"][2]["height"], 200 * 9525);
  EXPECT_EQ(doc["inline_shapes"][1]["width"], doc["text_width"]);
  EXPECT_EQ(doc["inline_shapes"][1]["height"], doc["text_width"].get<long>() / 4);

  // Chinese: East Asian fonts and language by default, the hint on every run.
  EXPECT_EQ(doc["default_lang"], "zh-CN");
  EXPECT_EQ(doc["default_east_asia_lang"], "zh-CN");
  EXPECT_FALSE(doc["default_east_asia_font"].is_null());
  for (const json& p : doc["paragraphs"])
    if (p["pictures"].empty()) {
      EXPECT_EQ(p["east_asia_hints"], p["runs"]) << p["text"];
    }
}

TEST_F(PublishTest, DocxEnglishHasNoEastAsianHints) {
  const fs::path out = dir / "en.docx";
  const Article article = english();
  render_to_file(article, out, {});
  const json doc = python_reads("read_docx.py", out);
  expect_docx_matches(doc, article, {"A quiet street", "The river"});
  EXPECT_EQ(doc["language"], "en-US");
  EXPECT_EQ(doc["default_lang"], "en-US");
  EXPECT_TRUE(doc["default_east_asia_font"].is_null());
  for (const json& p : doc["paragraphs"]) EXPECT_EQ(p["east_asia_hints"], 0);
  const std::set<std::string> styles(doc["styles"].begin(), doc["styles"].end());
  for (const char* s : {"Heading 1", "Heading 2", "Caption", "Normal"}) EXPECT_TRUE(styles.count(s)) << s;
}

// A model's noise can hold C0 control characters (an ESC, a BEL), which XML 1.0 forbids: Word and
// python-docx refuse such a file. They are dropped from the Word and HTML exports (the WeChat
// fragment shares the escaping); tabs and line breaks stay.
TEST_F(PublishTest, ControlCharactersAreDroppedFromEveryExport) {
  Article article = english();
  article.title = "Morning\x01 in the City";
  article.sections[1].paragraphs[0] = "Light\x1b[0m falls\x07 on the water.";
  article.slots[0].caption = "A quiet\x0b street";

  const fs::path word = dir / "controls.docx";
  render_to_file(article, word, {});
  const json doc = python_reads("read_docx.py", word);
  EXPECT_EQ(doc["title"], "Morning in the City");
  std::vector<std::string> texts;
  for (const json& p : doc["paragraphs"]) texts.push_back(p["text"]);
  EXPECT_NE(std::find(texts.begin(), texts.end(), "Light[0m falls on the water."), texts.end()) << doc.dump();
  EXPECT_NE(std::find(texts.begin(), texts.end(), "A quiet street"), texts.end()) << doc.dump();

  const fs::path page = dir / "controls.html";
  render_to_file(article, page, {});
  const std::string html = read_file(page);
  for (char c = 1; c < 0x20; ++c) {
    if (c != '\t' && c != '\n' && c != '\r') {
      EXPECT_EQ(html.find(c), std::string::npos) << "control " << int(c);
    }
  }
  EXPECT_NE(html.find("Light[0m falls on the water."), std::string::npos);
  EXPECT_NE(html.find("<h1>Morning in the City</h1>"), std::string::npos);
}

// --- articles the tiny models composed ----------------------------------------------------

// What compose writes (noise from the tiny models: any characters, any markup-like text), in
// both languages: the WeChat fragment is safe for WeChat's filter and looks the same in Chromium
// without <style> or class (the 390 px screenshots are kept), and the .docx reads back with the
// article's headings, paragraphs, pictures and captions.
TEST(PublishComposed, ComposedArticlesInBothLanguagesRenderForWechatAndWord) {
  ASSERT_TRUE(fs::exists(test::chromium_binary())) << "Chromium is missing: ./scripts/setup installs it";
  test::ComposeGallery fixture(24);
  LocalModel model(test::tiny_writer_options(true));
  ComposeModels models;
  models.writer = &model;
  models.selector = &model;
  models.embedder = fixture.embedder.get();
  models.gallery = fixture.gallery.get();
  const fs::path artifacts = LINGBI_TEST_ARTIFACT_DIR;
  fs::create_directories(artifacts);
  for (const std::string lang : {"en", "zh"}) {
    ComposeOptions o;
    o.instruction = lang == "zh" ? "海边的日落与渔港的清晨" : "Sunsets by the sea and mornings in a fishing harbour";
    o.lang = lang;
    o.words = 200;
    o.images = 2;
    o.seed = 7;
    const Article article = compose_article(o, models).article;
    std::vector<std::string> captions;
    for (const Slot& slot : article.slots)
      if (slot.chosen) captions.push_back(slot.caption);
    ASSERT_EQ(captions.size(), 2u) << lang;

    const fs::path fragment = fixture.dir.path() / ("composed-" + lang + ".html");
    RenderOptions options;
    options.format = "wechat";
    EXPECT_TRUE(render_to_file(article, fragment, options).warnings.empty());
    const json parsed = python_reads("parse_html.py", fragment);
    expect_wechat_safe(parsed);
    const auto images = elements_named(parsed, "img");
    ASSERT_EQ(images.size(), 2u) << lang;
    EXPECT_EQ(embedded_pictures(images).size(), 2u) << lang;
    const std::string html = read_file(fragment);
    const fs::path page = test::page_around(fragment, html, "page-" + lang + ".html");
    test::ImageLoad load = test::load_in_chromium(page);
    ASSERT_TRUE(load.ran) << load.output.substr(0, 2000);
    EXPECT_EQ(load.loaded, 2);
    const fs::path shot = artifacts / ("render_wechat_composed_" + lang + "_390.png");
    ASSERT_TRUE(test::screenshot_in_chromium(page, shot, 390, 4000));
    const fs::path filtered = test::page_around(fragment, test::as_wechat_filters_it(html), "filtered-" + lang + ".html");
    const fs::path filtered_shot = fixture.dir.path() / ("filtered-" + lang + ".png");
    ASSERT_TRUE(test::screenshot_in_chromium(filtered, filtered_shot, 390, 4000));
    vips::VImage a = vips::VImage::new_from_file(shot.c_str()), b = vips::VImage::new_from_file(filtered_shot.c_str());
    ASSERT_EQ(a.width(), b.width());
    ASSERT_EQ(a.height(), b.height());
    EXPECT_EQ((a - b).abs().max(), 0) << lang << ": the fragment depends on <style> or class";

    const fs::path word = fixture.dir.path() / ("composed-" + lang + ".docx");
    render_to_file(article, word, {});
    const json doc = python_reads("read_docx.py", word);
    expect_docx_matches(doc, article, captions);
    EXPECT_EQ(doc["language"], lang == "zh" ? "zh-CN" : "en-US");
    size_t texts = 0;
    for (const json& p : doc["paragraphs"]) texts += p["style"] == "Normal" && p["pictures"].empty();
    // Each paragraph is one Normal paragraph, or more when the model's text holds list lines.
    EXPECT_GE(texts, static_cast<size_t>(article.paragraph_count())) << lang;
  }
}

// --- the command line --------------------------------------------------------------------

TEST_F(PublishTest, CliWritesEachFormatAndExplainsThem) {
  const fs::path json_file = dir / "saved.json";
  save_article(chinese(), json_file);
  const std::string bin = test::lingbi_program();
  int status = 0;
  std::string out = test::run_capture(bin + " render " + quoted(json_file) + " -o " + quoted(dir / "w.html") +
                                          " --format wechat 2>&1",
                                      status);
  EXPECT_EQ(status, 0) << out;
  expect_wechat_safe(python_reads("parse_html.py", dir / "w.html"));

  out = test::run_capture(bin + " render " + quoted(json_file) + " -o " + quoted(dir / "a.docx") + " -o " +
                              quoted(dir / "z.zip") + " 2>&1",
                          status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(python_reads("read_docx.py", dir / "a.docx")["title"], "城市的清晨：一次“慢”旅行");

  out = test::run_capture(bin + " render " + quoted(json_file) + " -o " + quoted(dir / "z.md") + " --format zhihu 2>&1",
                          status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("--image-base"), std::string::npos) << out;

  out = test::run_capture(bin + " render " + quoted(json_file) + " -o x.html --format pdf 2>&1", status);
  EXPECT_NE(status, 0) << out;

  out = test::run_capture(bin + " render --help 2>&1", status);
  EXPECT_EQ(status, 0);
  for (const char* word : {"wechat", "zhihu", "docx", "--image-base", "1080 px"})
    EXPECT_NE(out.find(word), std::string::npos) << word << " missing in:\n" << out;
}

}  // namespace
}  // namespace lingbi

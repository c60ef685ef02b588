// File names are bytes (issue 10 item 5): pictures named in GBK, as a Windows zip made in China
// names them, go through every command as a user runs them: indexed, found by search --json,
// listed by gallery errors --json, composed, rendered as HTML and Markdown, edited. Every JSON
// output must parse as strict JSON and give the exact bytes back (lingbi/path_json.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "lingbi/article/article.h"
#include "lingbi/util/path_json.h"
#include "lingbi/util/utf8.h"
#include "model_support.h"
#include "support/article_schema.h"
#include "support/gallery_fixtures.h"
#include "support/percent_decode.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSunset = "\xba\xa3\xb1\xdf\xc8\xd5\xc2\xe4";  // 海边日落 in GBK

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `lingbi ARGS`; its standard output (standard error goes to the test's log).
std::string lingbi(const std::string& args, int& status) {
  return test::run_capture(std::string(LINGBI_TEST_BIN_DIR) + "/lingbi " + args, status);
}

// Strict JSON (nlohmann refuses invalid UTF-8), or a test failure that shows the text.
json parse(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not strict JSON:\n" << text;
  return j;
}

// The exact path a JSON object carries: path_base64 when present, else path.
std::string path_of(const json& object) {
  if (object.contains("path_base64")) {
    auto bytes = decode_base64(object["path_base64"].get<std::string>());
    EXPECT_TRUE(bytes) << object.dump();
    EXPECT_EQ(object["path"], valid_utf8(bytes.value_or(""))) << "path is the readable form";
    return bytes.value_or("");
  }
  return object["path"].get<std::string>();
}

TEST(BytePaths, GbkNamedPicturesAreIndexedFoundComposedRenderedAndEdited) {
  test::TempDir dir;
  const fs::path photos = dir / (kSunset + " photos");
  std::set<std::string> pictures;  // exact absolute paths
  int n = 0;
  for (const fs::path& made : test::make_pictures(dir / "made", 0, 16, 48, 80)) {
    const fs::path named = photos / (kSunset + std::to_string(n++) + made.extension().string());
    fs::create_directories(named.parent_path());
    fs::rename(made, named);
    pictures.insert(fs::absolute(named).lexically_normal().string());
  }
  const fs::path broken = photos / (kSunset + "-broken.jpg");
  test::write_bytes(broken, "not a picture");
  const fs::path own = dir / (kSunset + " mine.png");  // a picture given on the command line
  fs::copy_file(*pictures.begin(), own);

  const std::string clip = (test::tiny_models() / "clip.gguf").string();
  const std::string llm = (test::tiny_models() / "llm.gguf").string();
  const std::string gallery = (dir / "gallery").string();
  const std::string with_gallery = " --gallery " + quoted(gallery) + " --clip " + quoted(clip);
  int status = 0;

  // index, then gallery errors --json: the broken file, exactly.
  std::string out = lingbi("index -q -t 1 --json" + with_gallery + " " + quoted(photos.string()), status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(parse(out)["added"], 16) << out;
  out = lingbi("gallery errors --json " + quoted(gallery), status);
  ASSERT_EQ(status, 0) << out;
  json errors = parse(out);
  ASSERT_EQ(errors.size(), 1u) << out;
  EXPECT_EQ(path_of(errors[0]), fs::absolute(broken).lexically_normal().string());
  EXPECT_TRUE(errors[0]["reason"].is_string());

  // search --json: every hit is one of the pictures, by its exact bytes.
  out = lingbi("search --json -k 5 -t 1" + with_gallery + " 'sunset by the sea'", status);
  ASSERT_EQ(status, 0) << out;
  json hits = parse(out);
  ASSERT_EQ(hits.size(), 5u) << out;
  for (const json& hit : hits) EXPECT_TRUE(pictures.count(path_of(hit))) << hit.dump();

  // embed --json: the input is given back exactly too.
  out = lingbi("embed -t 1 --clip " + quoted(clip) + " --image " + quoted(own.string()), status);
  ASSERT_EQ(status, 0) << out;
  json embedded = parse(out);
  EXPECT_EQ(decode_base64(embedded["items"][0]["input_base64"].get<std::string>()), own.string());

  // compose: JSON, Markdown with assets and HTML; every chosen picture is a real file.
  const fs::path article_json = dir / "article.json";
  out = lingbi("compose 'Sunsets by the sea' -m " + quoted(llm) + " -t 1 -q --words 300 --images 3 --seed 5" +
                   with_gallery + " -o " + quoted(article_json.string()) +
                   " -o " + quoted((dir / "article.md").string()) + " -o " + quoted((dir / "article.html").string()) +
                   " 2>&1",
               status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out.find("does not exist"), std::string::npos) << out;
  json saved = parse(test::read_bytes(article_json));
  test::expect_article_schema(saved);
  Article article = load_article(article_json);
  int chosen = 0;
  for (const Slot& slot : article.slots) {
    if (!slot.chosen) continue;
    ++chosen;
    EXPECT_TRUE(pictures.count(slot.chosen->path)) << slot.chosen->path;
    for (const Candidate& c : slot.candidates) EXPECT_TRUE(fs::is_regular_file(c.path)) << c.path;
  }
  EXPECT_EQ(chosen, 3);

  // render the saved JSON again: both formats find every picture; files stay UTF-8.
  out = lingbi("render " + quoted(article_json.string()) + " -o " + quoted((dir / "again.html").string()) + " -o " +
                   quoted((dir / "again.md").string()) + " 2>&1",
               status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out.find("warning"), std::string::npos) << out;
  for (const char* name : {"article.html", "again.html"}) {
    const std::string html = test::read_bytes(dir / name);
    EXPECT_TRUE(is_valid_utf8(html)) << name;
    size_t images = 0;
    for (size_t at = html.find("<img src=\"data:image/jpeg;base64,"); at != std::string::npos;
         at = html.find("<img src=\"data:image/jpeg;base64,", at + 1))
      ++images;
    EXPECT_EQ(images, 3u) << name;
  }
  for (const char* name : {"article.md", "again.md"}) {
    const std::string md = test::read_bytes(dir / name);
    EXPECT_TRUE(is_valid_utf8(md)) << name;
    size_t links = 0;
    for (size_t at = md.find("](<"); at != std::string::npos; at = md.find("](<", at + 1)) {
      const std::string target = test::percent_decoded(md.substr(at + 3, md.find(">)", at) - at - 3));
      EXPECT_TRUE(fs::is_regular_file(dir / target)) << name << ": " << target;
      ++links;
    }
    EXPECT_EQ(links, 3u) << name;
  }

  // edit: swap shows another candidate and research searches again; the paths stay exact.
  // (a candidate no slot shows: swap refuses a picture shown twice)
  std::set<std::string> shown;
  for (const Slot& s : article.slots)
    if (s.chosen) shown.insert(s.chosen->path);
  size_t slot = article.slots.size(), pick = 0;
  for (size_t s = 0; s < article.slots.size() && slot == article.slots.size(); ++s)
    for (size_t c = 0; c < article.slots[s].candidates.size(); ++c)
      if (!shown.count(article.slots[s].candidates[c].path)) {
        slot = s, pick = c;
        break;
      }
  ASSERT_LT(slot, article.slots.size()) << "no candidate left to swap in";
  const std::string letter(1, static_cast<char>('A' + pick));
  out = lingbi("edit " + quoted(article_json.string()) + " swap --slot " + std::to_string(slot) + " --candidate " +
                   letter + " 2>&1",
               status);
  ASSERT_EQ(status, 0) << out;
  Article swapped = load_article(article_json);
  EXPECT_EQ(swapped.slots[slot].chosen->path, article.slots[slot].candidates[pick].path);
  EXPECT_TRUE(pictures.count(swapped.slots[slot].chosen->path));
  out = lingbi("edit " + quoted(article_json.string()) + " research --slot " + std::to_string(slot) +
                   " --caption 'A red sky over the water' -t 1 -m " + quoted(llm) + with_gallery + " 2>&1",
               status);
  ASSERT_EQ(status, 0) << out;
  json edited = parse(test::read_bytes(article_json));
  test::expect_article_schema(edited);
  Article researched = load_article(article_json);
  ASSERT_TRUE(researched.slots[slot].chosen.has_value());
  EXPECT_TRUE(pictures.count(researched.slots[slot].chosen->path)) << researched.slots[slot].chosen->path;
  for (const Candidate& c : researched.slots[slot].candidates) EXPECT_TRUE(pictures.count(c.path)) << c.path;
  for (const json& c : edited["slots"][slot]["candidates"]) EXPECT_TRUE(c.contains("path_base64")) << c.dump();
}

}  // namespace
}  // namespace lingbi

// `lingbi convert-clip` and `lingbi embed`, run as a user would.
#include <gtest/gtest.h>
#include <vips/vips8>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "clip_fixture.h"
#include "lingbi/clip/clip.h"
#include "lingbi/gallery/gallery.h"
#include "test_pictures.h"
#include "tiny_chinese_clip.h"

namespace lingbi {
namespace {

std::string bin(const std::string& name) {
  const char* dir = std::getenv("LINGBI_BIN_DIR");
  return std::string(dir ? dir : ".") + "/" + name;
}

// Runs a shell command; returns its exit status and stdout.
int run(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ClipCli, ConvertThenEmbedPrintsTheDocumentedJson) {
  ASSERT_EQ(VIPS_INIT("lingbi-test"), 0);
  test::TempDir dir;
  std::string out;
  ASSERT_EQ(run(bin("lingbi") + " convert-clip --hf " + test::tiny_clip_hf().string() + " --out " +
                    (dir / "m.gguf").string() + " --type q8_0",
                out),
            0)
      << out;
  vips::VImage::black(40, 30, vips::VImage::option()->set("bands", 3)).linear(1.0, 120.0).cast(VIPS_FORMAT_UCHAR)
      .pngsave((dir / "grey.png").c_str());
  ASSERT_EQ(run(bin("lingbi") + " embed -t 2 --clip " + (dir / "m.gguf").string() + " --text 'a cat' --image " +
                    (dir / "grey.png").string() + " --text 'the dog'",
                out),
            0)
      << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["model"], "lingbi-tiny-clip");
  EXPECT_EQ(j["family"], "clip");
  EXPECT_EQ(j["dim"], 32);
  ASSERT_EQ(j["items"].size(), 3u);
  EXPECT_EQ(j["items"][0]["kind"], "image");  // images first, then texts in order
  EXPECT_EQ(j["items"][0]["input"], (dir / "grey.png").string());
  EXPECT_EQ(j["items"][1]["kind"], "text");
  EXPECT_EQ(j["items"][1]["input"], "a cat");
  EXPECT_EQ(j["items"][2]["input"], "the dog");
  auto model = ClipModel::load((dir / "m.gguf").string());
  const auto expected = model->embed_texts({"the dog"})[0];
  const auto got = j["items"][2]["embedding"].get<std::vector<float>>();
  ASSERT_EQ(got.size(), 32u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5);
  double norm = 0;
  for (float v : j["items"][0]["embedding"].get<std::vector<float>>()) norm += double(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST(ClipCli, ErrorsAreMessagesNotCrashes) {
  test::TempDir dir;
  std::string out;
  EXPECT_EQ(run(bin("lingbi") + " embed --clip " + (dir / "none.gguf").string() + " --text x 2>&1", out), 1);
  EXPECT_NE(out.find("does not exist"), std::string::npos) << out;
  EXPECT_EQ(run(bin("lingbi") + " convert-clip --hf " + (dir / "nofolder").string() + " --out x.gguf 2>&1", out), 1);
  EXPECT_NE(out.find("is not a folder"), std::string::npos) << out;
  EXPECT_EQ(run(bin("lingbi") + " embed --clip " + test::tiny_clip_gguf().string() + " --image " +
                    (dir / "missing.jpg").string() + " 2>&1", out), 1);
  EXPECT_NE(out.find("missing.jpg"), std::string::npos) << out;
}

// Issue 14: a Chinese-CLIP folder converted, a gallery indexed with it, searched in Chinese. Each
// hit names the model family, and its score is the cosine between the picture's stored vector and
// the Chinese query's embedding by the same model (the query went through the WordPiece tower).
TEST(ClipCli, ChineseClipSearchInChinese) {
  ASSERT_EQ(VIPS_INIT("lingbi-test"), 0);
  test::TempDir dir;
  dev::write_tiny_chinese_clip_hf(dir / "hf", 4);
  std::string out;
  const std::string model = (dir / "zh.gguf").string();
  ASSERT_EQ(run(bin("lingbi") + " convert-clip --hf " + (dir / "hf").string() + " --out " + model + " --type f16", out), 0)
      << out;
  dev::make_pictures(dir / "pictures", 0, 6, 40, 56);
  const std::string g = (dir / "gallery").string();
  ASSERT_EQ(run(bin("lingbi") + " index -q -t 1 --gallery " + g + " --clip " + model + " " + (dir / "pictures").string() +
                    " 2>&1",
                out),
            0)
      << out;
  ASSERT_EQ(run(bin("lingbi") + " search -t 1 -k 3 --json --gallery " + g + " --clip " + model + " '海边的日落'", out), 0)
      << out;
  const auto hits = nlohmann::json::parse(out);
  ASSERT_EQ(hits.size(), 3u) << out;
  auto clip = ClipModel::load(model);
  ASSERT_EQ(clip->family(), ClipFamily::chinese_clip);
  const std::vector<float> q = clip->embed_texts({"海边的日落"})[0];
  auto gallery = Gallery::open(g);
  for (const auto& h : hits) {
    EXPECT_EQ(h["model_family"], "chinese_clip");
    EXPECT_EQ(h["model"], "lingbi-tiny-chinese-clip");
    const std::vector<float> v = gallery->vector_of(h["id"].get<int64_t>());
    double dot = 0;
    for (size_t k = 0; k < v.size(); ++k) dot += double(v[k]) * q[k];
    EXPECT_NEAR(h["score"].get<double>(), dot, 1e-3);
  }
  // Another query ranks the pictures by its own scores: the text matters.
  ASSERT_EQ(run(bin("lingbi") + " search -t 1 -k 3 --json --gallery " + g + " --clip " + model + " '一只猫'", out), 0);
  EXPECT_NE(nlohmann::json::parse(out)[0]["score"], hits[0]["score"]);
}

}  // namespace
}  // namespace lingbi

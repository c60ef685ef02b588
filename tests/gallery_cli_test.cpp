// The gallery commands end to end through the lingbi binary: exit codes, JSON output, errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"
#include "tiny_clip.h"

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;
  std::string out;
};

// Runs `lingbi ARGS` (stderr folded into stdout) and returns its exit status and output.
CliRun lingbi(const std::string& args) {
  const char* dir = std::getenv("LINGBI_BIN_DIR");
  const std::string cmd = (fs::path(dir ? dir : "bin") / "lingbi").string() + " " + args + " 2>&1";
  CliRun r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string q(const fs::path& p) {
  std::string quoted(1, '\'');
  quoted.append(p.string());
  quoted.push_back('\'');
  return quoted;
}

TEST(GalleryCli, IndexInfoErrorsSearchMergeOptimize) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos";
  auto pics = lingbi::test::make_pictures(photos, 0, 24, 32, 64);
  fs::copy_file(pics[0], photos / "copy.jpg");
  lingbi::test::write_bytes(photos / "broken.png", "no picture here");
  const fs::path clip = lingbi::test::gallery_clip_gguf(), g = dir / "g";

  CliRun r = lingbi("index --gallery " + q(g) + " --clip " + q(clip) + " " + q(photos) + " -t 2 --json -q");
  ASSERT_EQ(r.status, 0) << r.out;
  auto s = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(s["added"], 24);
  EXPECT_EQ(s["duplicates"], 1);
  EXPECT_EQ(s["failed"], 1);

  r = lingbi("gallery info " + q(g) + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto info = nlohmann::json::parse(r.out);
  EXPECT_EQ(info["images"], 24);
  EXPECT_EQ(info["paths"], 25);
  EXPECT_EQ(info["failed"], 1);
  EXPECT_EQ(info["index"], "Flat");
  EXPECT_EQ(info["dim"], lingbi::test::make_test_embedder()->dim());
  EXPECT_EQ(info["model"], "lingbi-tiny-clip");

  r = lingbi("gallery errors " + q(g));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("broken.png\t"), std::string::npos) << r.out;

  r = lingbi("search --gallery " + q(g) + " --clip " + q(clip) + " --image " + q(pics[5]) + " -k 3 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0]["path"], fs::absolute(pics[5]).lexically_normal().string());
  const int64_t self = hits[0]["id"];
  r = lingbi("search --gallery " + q(g) + " --clip " + q(clip) + " --image " + q(pics[5]) + " -k 3 --json --exclude " +
             std::to_string(self));
  ASSERT_EQ(r.status, 0) << r.out;
  for (const auto& h : nlohmann::json::parse(r.out)) EXPECT_NE(h["id"], self);
  r = lingbi("search --gallery " + q(g) + " --clip " + q(clip) + " 'a red circle' -k 2");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(" 1  "), std::string::npos) << r.out;

  // Shards through the CLI, merged, equal the gallery counts of one run.
  for (int i = 0; i < 2; ++i) {
    r = lingbi("index -g " + q(dir / ("s" + std::to_string(i))) + " --clip " + q(clip) + " " + q(photos) +
               " -q --shard " + std::to_string(i) + "/2");
    ASSERT_EQ(r.status, 0) << r.out;
  }
  r = lingbi("gallery merge " + q(dir / "m") + " " + q(dir / "s0") + " " + q(dir / "s1"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("24 images, 25 paths, 1 failed"), std::string::npos) << r.out;

  r = lingbi("gallery optimize " + q(g));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Flat"), std::string::npos) << r.out;  // 24 images stay exact
}

TEST(GalleryCli, ClearErrors) {
  lingbi::test::TempDir dir;
  const fs::path photos = dir / "photos";
  lingbi::test::make_pictures(photos, 0, 3, 32, 40);
  const fs::path clip = lingbi::test::gallery_clip_gguf(), g = dir / "g";
  ASSERT_EQ(lingbi("index -g " + q(g) + " --clip " + q(clip) + " " + q(photos) + " -q").status, 0);

  lingbi::dev::write_tiny_clip(dir / "other", 5);
  CliRun r = lingbi("index -g " + q(g) + " --clip " + q(dir / "other" / "clip.gguf") + " " + q(photos));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("was indexed with CLIP model"), std::string::npos) << r.out;
  r = lingbi("search -g " + q(g) + " --clip " + q(dir / "other" / "clip.gguf") + " cats");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("pass the model the gallery was made with"), std::string::npos) << r.out;

  r = lingbi("gallery info " + q(dir / "nothing-here"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no gallery at"), std::string::npos) << r.out;
  r = lingbi("index -g " + q(g) + " --clip " + q(clip) + " " + q(photos) + " --shard 3/2");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--shard 3/2"), std::string::npos) << r.out;
  r = lingbi("index -g " + q(g) + " --clip " + q(clip) + " " + q(dir / "no-such-folder"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no-such-folder"), std::string::npos) << r.out;
  r = lingbi("search -g " + q(g) + " --clip " + q(clip) + " --exclude 1,x cats");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--exclude"), std::string::npos) << r.out;
}

}  // namespace

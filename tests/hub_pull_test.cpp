// `lingbi pull` and the model store (issue 16) against a stand-in of a Hugging Face-compatible hub
// (tests/support/hub_stand_in.h) serving the tiny generated GGUF files: a pull through the 302,
// resume with Range after a cut, wrong bytes, no room on disk, unknown names, plain progress
// lines; presets, `lingbi models`, and the programs that find their models in the store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/hub_stand_in.h"
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

class HubPull : public ::testing::Test {
 protected:
  void SetUp() override {
    tiny_ = test::tiny_models();
    hub_.add("tiny/vlm-GGUF", "mmproj.gguf", slurp(tiny_ / "mmproj.gguf"));
    hub_.add("tiny/vlm-GGUF", "llm.gguf", slurp(tiny_ / "llm.gguf"));
    hub_.add("tiny/clip-GGUF", "clip.gguf", slurp(tiny_ / "clip.gguf"));
    for (const char* f : {"config.json", "preprocessor_config.json", "vocab.json", "merges.txt"})
      hub_.add("tiny/clip-hf", f, slurp(tiny_ / "clip-hf" / f), false);
    hub_.add("tiny/clip-hf", "model.safetensors", slurp(tiny_ / "clip-hf" / "model.safetensors"));
    std::ofstream(dir_ / "presets.json") << R"({"presets": [
      {"name": "default", "kind": "set", "includes": ["tiny-vlm", "tiny-clip"]},
      {"name": "tiny-vlm", "kind": "vlm", "repo": "tiny/vlm-GGUF", "files": [
        {"file": "llm.gguf", "role": "model"}, {"file": "mmproj.gguf", "role": "mmproj"}]},
      {"name": "tiny-clip", "kind": "clip", "repo": "tiny/clip-hf", "convert": "clip", "output": "clip-f16.gguf",
       "files": [{"file": "config.json", "role": "source"}, {"file": "preprocessor_config.json", "role": "source"},
                 {"file": "vocab.json", "role": "source"}, {"file": "merges.txt", "role": "source"},
                 {"file": "model.safetensors", "role": "source"}]}]})";
  }

  fs::path store() const { return dir_ / "store"; }
  // Runs lingbi with the stand-in as the hub and the test's store and presets; stderr in err_.
  std::string lingbi(const std::string& args, int& status, const std::string& env = "") {
    const std::string command = "HF_ENDPOINT=" + hub_.endpoint() + " LINGBI_MODELS='" + store().string() +
                                "' LINGBI_PRESETS='" + (dir_ / "presets.json").string() + "' OMP_WAIT_POLICY=passive " +
                                env + " " + test::lingbi_program() + " " + args + " 2>'" + (dir_ / "err.txt").string() + "'";
    std::string out = test::run_capture(command, status);
    err_ = slurp(dir_ / "err.txt");
    return out;
  }

  test::TempDir dir_;
  fs::path tiny_;
  test::HubStandIn hub_;
  std::string err_;
};

TEST_F(HubPull, PullFollowsTheRedirectChecksTheDigestAndPrintsPlainLines) {
  int status = 0;
  lingbi("pull tiny/vlm-GGUF:mmproj.gguf --progress-interval 0", status, "HF_TOKEN=hf_secret");
  ASSERT_EQ(status, 0) << err_;
  const fs::path got = store() / "tiny/vlm-GGUF/mmproj.gguf";
  EXPECT_EQ(slurp(got), slurp(tiny_ / "mmproj.gguf"));
  EXPECT_FALSE(fs::exists(got.string() + ".part"));
  EXPECT_FALSE(fs::exists(got.string() + ".part.etag"));
  // HEAD for the metadata, then GET through the 302 to the CDN, which gets no token.
  const auto resolves = hub_.resolve_requests();
  ASSERT_EQ(resolves.size(), 2u);
  EXPECT_EQ(resolves[0], "HEAD /tiny/vlm-GGUF/resolve/main/mmproj.gguf");
  EXPECT_EQ(resolves[1], "GET /tiny/vlm-GGUF/resolve/main/mmproj.gguf");
  for (const std::string& a : hub_.authorizations()) EXPECT_EQ(a, "Bearer hf_secret");
  ASSERT_EQ(hub_.cdn_authorizations().size(), 1u);
  EXPECT_EQ(hub_.cdn_authorizations()[0], "");
  EXPECT_EQ(hub_.bytes_served(), static_cast<int64_t>(fs::file_size(got)));
  // Not a terminal: plain lines, no carriage returns or escape sequences, with the byte total.
  EXPECT_EQ(err_.find('\r'), std::string::npos) << err_;
  EXPECT_EQ(err_.find('\033'), std::string::npos) << err_;
  std::istringstream lines(err_);
  std::string line;
  int progress_lines = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.rfind("pull: ", 0), 0u) << line;
    if (std::regex_search(line, std::regex(R"(^pull: [0-9.]+ [kMG]?B of 111 kB \(\d+%\), [0-9.]+ [kMG]?B/s)"))) ++progress_lines;
  }
  EXPECT_GE(progress_lines, 1) << err_;
  EXPECT_NE(err_.find("of 111 kB (100%)"), std::string::npos) << err_;

  // Again: nothing is transferred.
  hub_.reset_counts();
  lingbi("pull tiny/vlm-GGUF:mmproj.gguf", status);
  EXPECT_EQ(status, 0) << err_;
  EXPECT_EQ(hub_.bytes_served(), 0);
  EXPECT_NE(err_.find("in the store already"), std::string::npos) << err_;
}

TEST_F(HubPull, OnATerminalTheProgressIsOneRedrawnBarWithRateAndTimeLeft) {
  hub_.pause_per_chunk_ms(4);  // about 1.6 s for the 25.7 MB model: several redraws
  int status = 0;
  // util-linux's script gives the program a terminal and prints what it wrote there.
  const std::string inner = "HF_ENDPOINT=" + hub_.endpoint() + " LINGBI_MODELS='" + store().string() + "' " +
                            test::lingbi_program() + " pull tiny/vlm-GGUF:llm.gguf";
  const std::string screen = test::run_capture("script -qec \"" + inner + "\" /dev/null", status);
  ASSERT_EQ(status, 0) << screen;
  EXPECT_EQ(slurp(store() / "tiny/vlm-GGUF/llm.gguf"), slurp(tiny_ / "llm.gguf"));
  // Each redraw goes back to the start of the line and clears it; a bar, bytes, rate, time left.
  const std::regex redraw(R"(\r\x1b\[Kpull \[#* *\] [0-9.]+ [kMG]?B of 25\.7 MB \(\d+%\), [0-9.]+ [kMG]?B/s, \d+:\d\d left)");
  const auto redraws = std::distance(std::sregex_iterator(screen.begin(), screen.end(), redraw), std::sregex_iterator());
  EXPECT_GE(redraws, 3) << screen;
  EXPECT_NE(screen.find("25.7 MB of 25.7 MB (100%)"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("\npull: 25.7 MB of"), std::string::npos) << "no plain lines on a terminal";
}

TEST_F(HubPull, ACutDownloadResumesWithRangeAndFetchesOnlyTheRest) {
  const int64_t size = static_cast<int64_t>(fs::file_size(tiny_ / "clip.gguf"));
  const int64_t cut = size * 40 / 100;
  hub_.cut_next_transfer_at(cut);
  int status = 0;
  lingbi("pull tiny/clip-GGUF:clip.gguf --retries 0", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("broke off"), std::string::npos) << err_;
  EXPECT_NE(err_.find("run the same command again to resume"), std::string::npos) << err_;
  const fs::path dest = store() / "tiny/clip-GGUF/clip.gguf";
  EXPECT_FALSE(fs::exists(dest));
  ASSERT_TRUE(fs::exists(dest.string() + ".part"));
  const int64_t kept = static_cast<int64_t>(fs::file_size(dest.string() + ".part"));
  EXPECT_EQ(kept, cut);
  EXPECT_EQ(hub_.bytes_served(), cut);

  hub_.reset_counts();
  lingbi("pull tiny/clip-GGUF:clip.gguf", status);
  ASSERT_EQ(status, 0) << err_;
  EXPECT_EQ(hub_.bytes_served(), size - kept);  // only the rest crossed the wire
  ASSERT_EQ(hub_.cdn_ranges().size(), 1u);
  EXPECT_EQ(hub_.cdn_ranges()[0], "bytes=" + std::to_string(kept) + "-");
  EXPECT_EQ(slurp(dest), slurp(tiny_ / "clip.gguf"));
  EXPECT_FALSE(fs::exists(dest.string() + ".part"));

  // Within one run: a cut is resumed at once (retries), and still only the rest is fetched.
  fs::remove(dest);
  hub_.reset_counts();
  hub_.cut_next_transfer_at(cut);
  lingbi("pull tiny/clip-GGUF:clip.gguf", status);
  ASSERT_EQ(status, 0) << err_;
  EXPECT_EQ(hub_.bytes_served(), size);
  EXPECT_EQ(hub_.cdn_ranges().size(), 2u);
  EXPECT_EQ(slurp(dest), slurp(tiny_ / "clip.gguf"));
}

TEST_F(HubPull, WrongBytesAreAnErrorAndLeaveNothingInTheStore) {
  hub_.serve_wrong_bytes(true);
  int status = 0;
  lingbi("pull tiny/clip-GGUF:clip.gguf", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("the hub's LFS metadata says " + hub_.sha256_of("tiny/clip-GGUF", "clip.gguf")),
            std::string::npos)
      << err_;
  EXPECT_NE(err_.find("nothing was kept"), std::string::npos) << err_;
  const fs::path dir = store() / "tiny/clip-GGUF";
  EXPECT_TRUE(!fs::exists(dir) || fs::is_empty(dir)) << "left in the store: " << fs::directory_iterator(dir)->path();
}

TEST_F(HubPull, NoRoomOnDiskIsAClearErrorBeforeAnyDownload) {
  // The hub says the file is larger than the free space of the store's file system.
  hub_.claim_size(int64_t{1} << 60);
  int status = 0;
  lingbi("pull tiny/clip-GGUF:clip.gguf", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("not enough disk space: the download needs 1153 PB but " + (store() / "tiny/clip-GGUF").string() +
                      " has "),
            std::string::npos)
      << err_;
  EXPECT_NE(err_.find(" free; free some space or point LINGBI_MODELS at a larger disk"), std::string::npos) << err_;
  EXPECT_TRUE(hub_.cdn_ranges().empty());
  EXPECT_EQ(hub_.bytes_served(), 0);
  hub_.claim_size(-1);

  // A real file system too small for the file (a 1 MB tmpfs, where the test may mount one).
  const fs::path small = dir_ / "small";
  fs::create_directories(small);
  int mounted = 0;
  test::run_capture("mount -t tmpfs -o size=1m lingbi-test " + small.string() + " 2>/dev/null", mounted);
  if (mounted != 0) GTEST_SKIP() << "cannot mount a tmpfs here; the claimed size above checked the same path";
  hub_.reset_counts();
  const std::string out = lingbi("pull tiny/vlm-GGUF:llm.gguf", status, "LINGBI_MODELS=" + small.string());
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("not enough disk space: the download needs 25.7 MB but " + (small / "tiny/vlm-GGUF").string()),
            std::string::npos)
      << err_;
  EXPECT_EQ(hub_.bytes_served(), 0);
  EXPECT_TRUE(fs::is_empty(small));
  test::run_capture("umount " + small.string(), mounted);
}

TEST_F(HubPull, UnknownPresetRepositoryOrFileIsAClearError) {
  int status = 0;
  lingbi("pull nosuch", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("unknown preset 'nosuch' (presets: default, tiny-vlm, tiny-clip)"), std::string::npos) << err_;
  lingbi("pull nobody/nothing:model.gguf", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("repository nobody/nothing was not found on " + hub_.endpoint()), std::string::npos) << err_;
  lingbi("pull tiny/vlm-GGUF:missing.gguf", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("repository tiny/vlm-GGUF has no file 'missing.gguf' at revision main"), std::string::npos) << err_;
  hub_.add("tiny/quants-GGUF", "model-Q4_K_M.gguf", "q4");
  hub_.add("tiny/quants-GGUF", "model-Q8_0.gguf", "q8");
  lingbi("pull tiny/quants-GGUF", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("repository tiny/quants-GGUF has 2 GGUF models; pull one of them:\n  "
                      "tiny/quants-GGUF:model-Q4_K_M.gguf\n  tiny/quants-GGUF:model-Q8_0.gguf"),
            std::string::npos)
      << err_;
  lingbi("pull nobody/nothing", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("repository nobody/nothing (revision main) was not found on " + hub_.endpoint()), std::string::npos)
      << err_;
  EXPECT_FALSE(fs::exists(store() / "tiny"));
}

TEST_F(HubPull, ARepositoryWithoutAFileGivesItsOneModelAndItsProjector) {
  int status = 0;
  lingbi("pull tiny/vlm-GGUF", status);
  ASSERT_EQ(status, 0) << err_;
  EXPECT_EQ(slurp(store() / "tiny/vlm-GGUF/llm.gguf"), slurp(tiny_ / "llm.gguf"));
  EXPECT_EQ(slurp(store() / "tiny/vlm-GGUF/mmproj.gguf"), slurp(tiny_ / "mmproj.gguf"));
  EXPECT_NE(err_.find("pull: 2 file(s), 25.8 MB to download"), std::string::npos) << err_;
}

TEST_F(HubPull, DefaultPresetIsPulledConvertedListedUsedAndRemoved) {
  int status = 0;
  lingbi("pull default", status);
  ASSERT_EQ(status, 0) << err_;
  // Seven files one after another with one total, and the CLIP folder converted on arrival.
  EXPECT_NE(err_.find("pull: 7 file(s), "), std::string::npos) << err_;
  EXPECT_TRUE(fs::exists(store() / "tiny/vlm-GGUF/llm.gguf"));
  EXPECT_TRUE(fs::exists(store() / "tiny/vlm-GGUF/mmproj.gguf"));
  const fs::path clip = store() / "tiny/clip-hf/clip-f16.gguf";
  ASSERT_TRUE(fs::exists(clip)) << err_;

  std::string out = lingbi("models", status);
  ASSERT_EQ(status, 0) << err_;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n +25\.7 MB  tiny/vlm-GGUF:llm\.gguf  preset default,tiny-vlm\n)"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(tiny/clip-hf:clip-f16\.gguf  preset default,tiny-clip\n)"))) << out;

  // The programs find the default models: chat without -m, index and search without --clip.
  out = lingbi("chat -t 1 -c 512 --seed 1 -n 4 'Say hi'", status);
  EXPECT_EQ(status, 0) << err_;
  const std::string gallery = (dir_ / "gallery").string();
  lingbi("index -q -t 1 --gallery " + gallery + " " + (tiny_ / "image.png").string(), status);
  ASSERT_EQ(status, 0) << err_;
  out = lingbi("search -t 1 --gallery " + gallery + " --json --image " + (tiny_ / "image.png").string(), status);
  ASSERT_EQ(status, 0) << err_;
  EXPECT_NE(out.find("image.png"), std::string::npos) << out;

  // models rm takes the preset's files, the converted one too, and the empty folders.
  out = lingbi("models rm default", status);
  ASSERT_EQ(status, 0) << err_;
  EXPECT_NE(out.find("removed 8 file(s)"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(store() / "tiny"));
}

TEST_F(HubPull, AGalleryRemembersItsClipModelWhileTheFileIsThere) {
  const fs::path clip = dir_ / "models" / "my clip.gguf";
  fs::create_directories(clip.parent_path());
  fs::copy_file(tiny_ / "clip.gguf", clip);
  const std::string gallery = (dir_ / "gallery").string();
  int status = 0;
  lingbi("index -q -t 1 --gallery " + gallery + " --clip '" + clip.string() + "' " + (tiny_ / "image.png").string(), status);
  ASSERT_EQ(status, 0) << err_;
  std::string out = lingbi("gallery info --json " + gallery, status);
  EXPECT_NE(out.find("\"model_path\": \"" + clip.string() + "\""), std::string::npos) << out;
  out = lingbi("search -t 1 --gallery " + gallery + " --json --image " + (tiny_ / "image.png").string(), status);
  ASSERT_EQ(status, 0) << err_;
  EXPECT_NE(out.find("image.png"), std::string::npos) << out;
  // Once the file is gone (and no default in the store), the error says which file it was.
  fs::remove(clip);
  lingbi("search -t 1 --gallery " + gallery + " --image " + (tiny_ / "image.png").string(), status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("was indexed with the CLIP model " + clip.string() + ", which is no longer there"),
            std::string::npos)
      << err_;
}

TEST_F(HubPull, ComposeWithAnEmptyStoreNamesThePullCommandAndWritesNothing) {
  int status = 0;
  const fs::path out = dir_ / "out" / "article.html";
  lingbi("compose 'A walk by the sea' -t 1 -o " + out.string(), status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("no model given (-m FILE.gguf or --endpoint URL), and the default model tiny-vlm is not in the "
                      "model store; run `lingbi pull default`"),
            std::string::npos)
      << err_;
  EXPECT_NE(err_.find("into " + store().string()), std::string::npos) << err_;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  EXPECT_FALSE(fs::exists(store()));
  // -m with a preset's name that is not pulled names its own pull command.
  lingbi("chat -m tiny-vlm 'hi'", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("model tiny-vlm is not in the model store; run `lingbi pull tiny-vlm`"), std::string::npos) << err_;
  // index without --clip: the CLIP preset's own pull command, and no gallery made.
  lingbi("index -q --gallery " + (dir_ / "g").string() + " " + (tiny_ / "image.png").string(), status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(err_.find("no CLIP model given (--clip FILE.gguf) and the default one (tiny-clip) is not in the model "
                      "store; run `lingbi pull tiny-clip`"),
            std::string::npos)
      << err_;
  EXPECT_FALSE(fs::exists(dir_ / "g"));
}

}  // namespace
}  // namespace lingbi

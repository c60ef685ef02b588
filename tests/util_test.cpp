// The util module's small contracts: UTF-8 checks and cuts, paths in JSON, atomic writes, writes at
// an offset.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lingbi/util/atomic_write.h"
#include "lingbi/util/path_json.h"
#include "lingbi/util/sha256.h"
#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"
#include "lingbi/util/utf8.h"
#include "lingbi/util/write_at.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

// "海边日落.png" in GBK, as a Windows zip made in China names it.
const std::string kGbkName = "\xba\xa3\xb1\xdf\xc8\xd5\xc2\xe4.png";

TEST(Utf8, ValidityOfEachKindOfBrokenSequence) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain 中文 \xEF\xBF\xBD 😀"));
  EXPECT_FALSE(is_valid_utf8(kGbkName));
  EXPECT_FALSE(is_valid_utf8("a\xE4\xB8"));       // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));        // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));    // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));            // stray continuation byte
  std::string replaced;
  for (int i = 0; i < 8; ++i) replaced += "\xEF\xBF\xBD";  // each GBK byte is invalid on its own here
  EXPECT_EQ(valid_utf8(kGbkName), replaced + ".png");
}

TEST(Utf8, PrefixNeverEndsInsideACharacter) {
  const std::string text = "海边日落";  // 3 bytes each
  for (size_t max = 0; max <= text.size() + 1; ++max) {
    const std::string_view p = utf8_prefix(text, max);
    EXPECT_EQ(p.size(), std::min<size_t>(max / 3 * 3, text.size())) << max;
    EXPECT_TRUE(is_valid_utf8(p)) << max;
  }
  EXPECT_EQ(utf8_prefix("ab😀", 5), "ab");  // a 4-byte character is not split either
  EXPECT_EQ(utf8_prefix("ab😀", 6), "ab😀");
  // Invalid bytes are characters of one byte: cut anywhere between them.
  EXPECT_EQ(utf8_prefix(kGbkName, 3), kGbkName.substr(0, 3));
}

// Checked against Python's urllib.parse.quote(s, safe="") for the same bytes.
TEST(Strings, PercentEncodeKeepsOnlyUnreservedBytes) {
  int status = 0;
  std::string expected;
  {
    FILE* p = popen("/usr/bin/python3 -c \"import sys,urllib.parse;sys.stdout.write(urllib.parse.quote(b'wide photo 100%/\\xe6\\xb5\\xb7\\xe8\\xbe\\xb9&x=1\\xba', safe=''))\"", "r");
    ASSERT_NE(p, nullptr);
    char buf[256];
    while (size_t n = fread(buf, 1, sizeof buf, p)) expected.append(buf, n);
    status = pclose(p);
  }
  ASSERT_EQ(status, 0);
  EXPECT_EQ(percent_encode("wide photo 100%/\xe6\xb5\xb7\xe8\xbe\xb9&x=1\xba"), expected);
  EXPECT_EQ(percent_encode("a/b c", "/"), "a/b%20c");
}

TEST(PathJson, ValidPathIsAStringAlone) {
  nlohmann::json j;
  put_path(j, "path", "/photos/海边/sunset 1.png");
  EXPECT_EQ(j, (nlohmann::json{{"path", "/photos/海边/sunset 1.png"}}));
}

TEST(PathJson, OtherPathKeepsItsExactBytesInBase64) {
  const std::string path = "/photos/" + kGbkName;
  nlohmann::ordered_json j;
  put_path(j, "path", path);
  ASSERT_TRUE(j.contains("path_base64"));
  const std::string text = j.dump();  // strict: throws on invalid UTF-8
  const auto back = nlohmann::ordered_json::parse(text);
  EXPECT_EQ(back["path"], valid_utf8(path));
  EXPECT_EQ(decode_base64(back["path_base64"].get<std::string>()), path);
  // Every byte value round-trips, at every padding length.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (size_t n = 0; n < 7; ++n) EXPECT_EQ(decode_base64(encode_base64(all.substr(250 - n))), all.substr(250 - n));
  EXPECT_EQ(decode_base64(encode_base64(all)), all);
  EXPECT_EQ(encode_base64("ab"), "YWI=");
  // Anything else is refused rather than read as some other path.
  for (const char* bad : {"YWI", "YW=I", "YWI*", "Y===", "YWJ="}) EXPECT_FALSE(decode_base64(bad)) << bad;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// Restores the process umask when the test ends.
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(AtomicWrite, ReplacedFileKeepsItsPermissionBits) {
  test::TempDir dir;
  const fs::path article = dir / "article.json";
  for (mode_t mode : {0600, 0640, 0444, 0755}) {
    write_file_atomically(article, "old");
    ASSERT_EQ(::chmod(article.c_str(), mode), 0);
    write_file_atomically(article, "new " + std::to_string(mode));
    EXPECT_EQ(read_file(article), "new " + std::to_string(mode));
    EXPECT_EQ(mode_of(article), mode) << std::oct << mode;
    fs::remove(article);
  }
  // Nothing but the file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 0);
}

TEST(AtomicWrite, NewFileGetsTheModeTheUmaskGives) {
  test::TempDir dir;
  for (mode_t mask : {022, 077, 027}) {
    Umask umask(mask);
    const fs::path out = dir / ("new-" + std::to_string(mask));
    write_file_atomically(out, "x");
    EXPECT_EQ(mode_of(out), static_cast<mode_t>(0666 & ~mask)) << std::oct << mask;
  }
}

// SHA-256 checks downloads against the hub's digest: FIPS 180-2's examples, any split of the
// input into updates, and a file compared with coreutils' sha256sum.
TEST(Sha256, PublishedExamplesAndAnySplitAndSha256sum) {
  auto digest = [](const std::string& text) {
    Sha256 s;
    s.update(text.data(), text.size());
    return s.hex();
  };
  EXPECT_EQ(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string text;
  for (int i = 0; i < 1000; ++i) text += static_cast<char>((i * 131 + 7) % 256);
  const std::string whole = digest(text);
  for (size_t step : {1, 3, 55, 56, 63, 64, 65, 200}) {
    Sha256 s;
    for (size_t at = 0; at < text.size(); at += step) s.update(text.data() + at, std::min(step, text.size() - at));
    EXPECT_EQ(s.hex(), whole) << "updates of " << step << " bytes";
  }
  test::TempDir dir;
  const fs::path file = dir / "blob.bin";
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < 300; ++i) out << text;
  }
  std::string expected;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("sha256sum '" + file.string() + "'").c_str(), "r"), pclose);
  char buf[65] = {};
  ASSERT_EQ(fread(buf, 1, 64, pipe.get()), 64u);
  EXPECT_EQ(sha256_file_hex(file.string()), std::string(buf));
  EXPECT_THROW(sha256_file_hex((dir / "missing").string()), Error);
}

// pwrite may write less than asked: here a file size limit lets the first 1,000 bytes in and
// refuses the rest (EFBIG). write_at keeps what was written and names the cause, not a stale errno.
TEST(WriteAt, AShortWriteThenItsCauseAreReported) {
  test::TempDir dir;
  const std::string path = (dir.path() / "limited.bin").string();
  const std::string message_file = (dir.path() / "message.txt").string();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{1000, 1000};
    setrlimit(RLIMIT_FSIZE, &limit);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    const std::string data(4096, 'x');
    try {
      write_at(fd, data.data(), data.size(), 0, path);
    } catch (const Error& e) {
      std::ofstream(message_file) << e.what();
      _exit(0);
    }
    _exit(1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "writing past the limit did not fail";
  std::ifstream in(message_file);
  const std::string message((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(message, "cannot write " + path + ": " + std::strerror(EFBIG)) << message;
  EXPECT_EQ(fs::file_size(path), 1000u) << "what fitted was written";
}

TEST(WriteAt, AFullDiskSaysSo) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  const int fd = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  try {
    write_at(fd, "abc", 3, 0, "/dev/full");
    ADD_FAILURE() << "writing to a full disk must fail";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write /dev/full: " + std::string(std::strerror(ENOSPC)) + " (the disk is full)");
  }
  ::close(fd);
}

// Writing at an offset leaves the bytes before it as they were.
TEST(WriteAt, WritesAtTheOffset) {
  test::TempDir dir;
  const fs::path path = dir.path() / "f.bin";
  std::ofstream(path) << "0123456789";
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  write_at(fd, "ab", 2, 4, path.string());
  ::close(fd);
  std::ifstream in(path);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), "0123ab6789");
}

}  // namespace
}  // namespace lingbi

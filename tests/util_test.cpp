// The util module's small contracts: atomic writes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lingbi/atomic_write.h"
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

}  // namespace
}  // namespace lingbi

#include "lingbi/util/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "lingbi/util/error.h"

namespace lingbi {

namespace {

// Closes the descriptor and, unless released, removes the temporary file.
class TempFile {
 public:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(TempFile&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
    other.path_.clear();
    other.fd_ = -1;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void release() { path_.clear(); }

 private:
  std::string path_;
  int fd_;
};

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw Error("cannot write " + path.string() + ": " + what + ": " + std::strerror(err) +
              "; the previous file, if any, is unchanged");
}

// Creates a new file named `prefix` plus a random suffix, with mode 0666 less the umask (the
// mode any new file gets; mkstemp would give 0600).
TempFile create_temp(const std::filesystem::path& path, const std::string& prefix) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = prefix;
    for (int i = 0; i < 8; ++i) name += kChars[random() % (sizeof kChars - 1)];
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return TempFile(name, fd);
    if (errno != EEXIST) fail(path, "creating a temporary file", errno);
  }
  fail(path, "creating a temporary file", EEXIST);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  TempFile tmp = create_temp(path, (dir / ("." + path.filename().string() + ".tmp-")).string());
  // A file replaced keeps its permission bits (a 0600 article stays private); a new one has the
  // mode the umask gives.
  struct stat old {};
  if (::stat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode) && ::fchmod(tmp.fd(), old.st_mode & 07777) != 0)
    fail(path, "keeping the permissions of the file it replaces", errno);

  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(tmp.fd(), data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "writing", errno);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0) fail(path, "flushing to disk", errno);
  if (tmp.close() != 0) fail(path, "closing", errno);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) fail(path, "renaming the temporary file", errno);
  tmp.release();
  // Make the rename itself durable.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace lingbi

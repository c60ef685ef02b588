#include "lingbi/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lingbi/error.h"

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

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  std::string pattern = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) fail(path, "creating a temporary file", errno);
  TempFile tmp(pattern, fd);
  ::fchmod(fd, 0644);

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

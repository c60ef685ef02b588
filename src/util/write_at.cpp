#include "lingbi/util/write_at.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lingbi/util/error.h"

namespace lingbi {

void write_at(int fd, const void* data, size_t bytes, int64_t offset, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n == 0 ? ENOSPC : errno;
      throw Error("cannot write " + path + ": " + std::strerror(err) + (err == ENOSPC ? " (the disk is full)" : ""));
    }
    p += n;
    bytes -= static_cast<size_t>(n);
    offset += n;
  }
}

}  // namespace lingbi

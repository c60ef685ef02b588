#include "lingbi/util/read_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "lingbi/util/error.h"

namespace lingbi {

std::vector<unsigned char> read_file_bytes(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) throw Error(std::strerror(errno));
  std::vector<unsigned char> bytes;
  struct stat st {};
  if (::fstat(::fileno(file.get()), &st) == 0 && st.st_size > 0)
    bytes.reserve(static_cast<size_t>(st.st_size));  // one allocation
  unsigned char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) bytes.insert(bytes.end(), buf, buf + n);
  if (std::ferror(file.get())) throw Error(std::strerror(errno));
  return bytes;
}

}  // namespace lingbi

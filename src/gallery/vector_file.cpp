#include "vector_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lingbi/util/error.h"
#include "lingbi/util/write_at.h"

namespace lingbi::gallery {

namespace {

constexpr int64_t kHeader = 4096;  // keeps 2 KB rows (512-d) inside single pages
constexpr char kMagic[8] = {'L', 'B', 'V', 'E', 'C', 'F', '3', '2'};

struct Header {
  char magic[8];
  int32_t version;
  int32_t dim;
  char token[64];
};

Header header_for(int dim, const std::string& token) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = 1;
  h.dim = dim;
  std::strncpy(h.token, token.c_str(), sizeof h.token - 1);
  return h;
}

}  // namespace

std::unique_ptr<VectorFile> VectorFile::open(const std::string& path, int dim, const std::string& token,
                                             const ExactVectors& fallback, bool writable) {
  if (token.empty()) return nullptr;
  const int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return nullptr;
  std::unique_ptr<VectorFile> file(new VectorFile(path, fd, dim, fallback));
  Header h{};
  const Header want = header_for(dim, token);
  if (::pread(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) || std::memcmp(&h, &want, sizeof h) != 0)
    return nullptr;
  file->batch_ = BatchReads::open(path);
  return file;
}

std::unique_ptr<VectorFile> VectorFile::create(const std::string& path, int dim, const std::string& token,
                                               const ExactVectors& fallback) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot create " + path + ": " + std::strerror(errno));
  std::unique_ptr<VectorFile> file(new VectorFile(path, fd, dim, fallback));
  const Header h = header_for(dim, token);
  write_at(fd, &h, sizeof h, 0, path);
  file->batch_ = BatchReads::open(path);
  return file;
}

VectorFile::~VectorFile() {
  if (fd_ >= 0) ::close(fd_);
}

int64_t VectorFile::offset_of(int64_t id) const { return kHeader + id * dim_ * static_cast<int64_t>(sizeof(float)); }

void VectorFile::write(const std::vector<int64_t>& ids, const std::vector<float>& vectors) {
  const size_t row = dim_ * sizeof(float);
  for (size_t i = 0; i < ids.size(); ++i) write_at(fd_, vectors.data() + i * dim_, row, offset_of(ids[i]), path_);
}

void VectorFile::sync() {
  if (::fdatasync(fd_) != 0) throw Error("cannot sync " + path_ + ": " + std::strerror(errno));
}

void VectorFile::prefetch(const std::vector<int64_t>& ids) const {
  for (int64_t id : ids) ::posix_fadvise(fd_, offset_of(id), dim_ * sizeof(float), POSIX_FADV_WILLNEED);
}

bool VectorFile::read_vector(int64_t id, float* out, int dim) const {
  const size_t row = dim * sizeof(float);
  if (dim == dim_ && !from_fallback_.count(id) && ::pread(fd_, out, row, offset_of(id)) == static_cast<ssize_t>(row) &&
      std::any_of(out, out + dim, [](float x) { return x != 0.0f; }))
    return true;
  return fallback_.read_vector(id, out, dim);  // a hole or past the end: never written here
}

void VectorFile::read_vectors(const std::vector<int64_t>& ids, float* out, int dim, std::vector<char>& found) const {
  if (!batch_ || dim != dim_) return ExactVectors::read_vectors(ids, out, dim, found);
  std::vector<int64_t> offsets(ids.size());
  std::transform(ids.begin(), ids.end(), offsets.begin(), [&](int64_t id) { return offset_of(id); });
  if (!batch_->read(offsets, dim * sizeof(float), out, found)) return ExactVectors::read_vectors(ids, out, dim, found);
  for (size_t i = 0; i < ids.size(); ++i) {
    float* v = out + i * dim;
    if (!found[i])  // past the end, or a read the kernel did not finish: as read_vector reads it
      found[i] = read_vector(ids[i], v, dim);
    else if (from_fallback_.count(ids[i]) || std::all_of(v, v + dim, [](float x) { return x == 0.0f; }))
      found[i] = fallback_.read_vector(ids[i], v, dim);  // stale or a hole, as in read_vector
  }
}

}  // namespace lingbi::gallery

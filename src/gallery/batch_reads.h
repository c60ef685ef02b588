// Many small reads of one file handed to the kernel in one system call: Linux's native AIO on the
// file opened with O_DIRECT. Re-ranking reads a few hundred random rows of vectors.f32; announced
// one posix_fadvise at a time, each row goes to the disk on its own (in a VM, an exit to the host
// each: about 2 ms of CPU for 240 rows at 10M), where one batch costs about 0.4 ms (docs/gallery.md).
// Direct reads bypass the page cache, which at that size holds a few percent of the file anyway.
// Internal to src/gallery.
#pragma once

#include <linux/aio_abi.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lingbi/util/unique_fd.h"

namespace lingbi::gallery {

class BatchReads {
 public:
  // nullptr when the file cannot be opened for direct I/O (a file system without it, such as
  // tmpfs) or the kernel refuses AIO: the caller reads through the page cache instead.
  static std::unique_ptr<BatchReads> open(const std::string& path);

  // Reads `bytes` at each offset into out (offsets.size() x bytes); ok[i] says whether read i got
  // all its bytes. False when direct I/O refused the batch (offsets or sizes the device cannot read
  // directly): nothing was read, and this object stays refused for good.
  bool read(const std::vector<int64_t>& offsets, size_t bytes, void* out, std::vector<char>& ok) const;

  BatchReads(const BatchReads&) = delete;
  BatchReads& operator=(const BatchReads&) = delete;
  ~BatchReads();

 private:
  // One batch's kernel context and aligned buffer, kept for the next batch: concurrent searches
  // take one each, and a search does not allocate and fault in its buffer anew.
  struct Slot {
    aio_context_t ctx = 0;
    void* buffer = nullptr;
    size_t capacity = 0;
    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();  // destroying the context waits for any read still in flight, before the buffer goes
  };

  explicit BatchReads(UniqueFd fd) : fd_(std::move(fd)) {}
  std::unique_ptr<Slot> take_slot() const;  // nullptr when the kernel refuses a context
  void give_back(std::unique_ptr<Slot> slot) const;

  UniqueFd fd_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Slot>> idle_;
  mutable bool refused_ = false;
};

}  // namespace lingbi::gallery

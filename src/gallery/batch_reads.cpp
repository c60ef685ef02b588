#include "batch_reads.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lingbi::gallery {

namespace {

constexpr size_t kAlign = 4096;     // a buffer's start: enough for O_DIRECT on any device
constexpr size_t kSector = 512;     // what O_DIRECT wants of each row's place in it
constexpr unsigned kDepth = 256;    // reads in flight per context; longer batches go in turns

long io_setup(unsigned n, aio_context_t* ctx) { return ::syscall(SYS_io_setup, n, ctx); }
long io_destroy(aio_context_t ctx) { return ::syscall(SYS_io_destroy, ctx); }
long io_submit(aio_context_t ctx, long n, iocb** cbs) { return ::syscall(SYS_io_submit, ctx, n, cbs); }
long io_getevents(aio_context_t ctx, long min, long max, io_event* events) {
  return ::syscall(SYS_io_getevents, ctx, min, max, events, nullptr);
}

}  // namespace

std::unique_ptr<BatchReads> BatchReads::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  if (!fd) return nullptr;
  std::unique_ptr<BatchReads> reads(new BatchReads(std::move(fd)));
  auto slot = reads->take_slot();
  if (!slot) return nullptr;
  reads->give_back(std::move(slot));
  return reads;
}

BatchReads::~BatchReads() = default;

BatchReads::Slot::~Slot() {
  if (ctx != 0) io_destroy(ctx);
  std::free(buffer);
}

std::unique_ptr<BatchReads::Slot> BatchReads::take_slot() const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      auto slot = std::move(idle_.back());
      idle_.pop_back();
      return slot;
    }
  }
  auto slot = std::make_unique<Slot>();
  return io_setup(kDepth, &slot->ctx) == 0 ? std::move(slot) : nullptr;
}

void BatchReads::give_back(std::unique_ptr<Slot> slot) const {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(slot));
}

bool BatchReads::read(const std::vector<int64_t>& offsets, size_t bytes, void* out, std::vector<char>& ok) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (refused_) return false;
  }
  ok.assign(offsets.size(), 0);
  if (offsets.empty()) return true;
  // Rows sit a whole number of sectors apart in the buffer, as direct reads want their memory.
  const size_t stride = (bytes + kSector - 1) / kSector * kSector;
  auto slot = take_slot();
  if (!slot) return false;
  if (slot->capacity < stride * offsets.size()) {
    const size_t capacity = (stride * offsets.size() + kAlign - 1) / kAlign * kAlign;
    std::free(slot->buffer);
    slot->buffer = std::aligned_alloc(kAlign, capacity);
    slot->capacity = slot->buffer ? capacity : 0;
    if (!slot->buffer) return false;
  }
  const aio_context_t ctx = slot->ctx;
  char* const buffer = static_cast<char*>(slot->buffer);
  bool refused = false;
  std::vector<iocb> cbs(std::min<size_t>(offsets.size(), kDepth));
  std::vector<iocb*> pointers(cbs.size());
  std::vector<io_event> events(cbs.size());
  for (size_t first = 0; first < offsets.size() && !refused; first += kDepth) {
    const size_t n = std::min<size_t>(kDepth, offsets.size() - first);
    for (size_t i = 0; i < n; ++i) {
      std::memset(&cbs[i], 0, sizeof(iocb));
      cbs[i].aio_fildes = static_cast<uint32_t>(fd_.get());
      cbs[i].aio_lio_opcode = IOCB_CMD_PREAD;
      cbs[i].aio_buf = reinterpret_cast<uint64_t>(buffer + (first + i) * stride);
      cbs[i].aio_nbytes = bytes;
      cbs[i].aio_offset = offsets[first + i];
      cbs[i].aio_data = first + i;
      pointers[i] = &cbs[i];
    }
    long submitted = 0;
    while (submitted < static_cast<long>(n)) {
      const long r = io_submit(ctx, static_cast<long>(n) - submitted, pointers.data() + submitted);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        refused = r < 0 && errno == EINVAL;
        break;
      }
      submitted += r;
    }
    for (long done = 0; done < submitted;) {
      const long r = io_getevents(ctx, 1, submitted - done, events.data());
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return false;  // cannot happen with a valid context; dropping the slot waits for its reads
      for (long e = 0; e < r; ++e) {
        const size_t i = events[e].data;
        if (events[e].res == static_cast<int64_t>(bytes)) {
          std::memcpy(static_cast<char*>(out) + i * bytes, buffer + i * stride, bytes);
          ok[i] = 1;
        } else if (events[e].res == -EINVAL) {
          refused = true;
        }
      }
      done += r;
    }
    if (submitted < static_cast<long>(n) && !refused) break;  // the kernel stopped taking reads
  }
  give_back(std::move(slot));
  if (refused) {
    std::lock_guard<std::mutex> lock(mutex_);
    refused_ = true;
    return false;
  }
  return true;
}

}  // namespace lingbi::gallery

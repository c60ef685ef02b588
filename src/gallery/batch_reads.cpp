#include "batch_reads.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lingbi::gallery {

namespace {

constexpr size_t kAlign = 4096;     // what O_DIRECT wants of a buffer on any device
constexpr unsigned kDepth = 256;    // reads in flight per context; longer batches go in turns

long io_setup(unsigned n, aio_context_t* ctx) { return ::syscall(SYS_io_setup, n, ctx); }
long io_destroy(aio_context_t ctx) { return ::syscall(SYS_io_destroy, ctx); }
long io_submit(aio_context_t ctx, long n, iocb** cbs) { return ::syscall(SYS_io_submit, ctx, n, cbs); }
long io_getevents(aio_context_t ctx, long min, long max, io_event* events) {
  return ::syscall(SYS_io_getevents, ctx, min, max, events, nullptr);
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

std::unique_ptr<BatchReads> BatchReads::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
  if (!fd) return nullptr;
  std::unique_ptr<BatchReads> reads(new BatchReads(std::move(fd)));
  const aio_context_t ctx = reads->take_context();
  if (ctx == 0) return nullptr;
  reads->give_back(ctx);
  return reads;
}

BatchReads::~BatchReads() {
  for (aio_context_t ctx : idle_) io_destroy(ctx);
}

aio_context_t BatchReads::take_context() const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      const aio_context_t ctx = idle_.back();
      idle_.pop_back();
      return ctx;
    }
  }
  aio_context_t ctx = 0;
  return io_setup(kDepth, &ctx) == 0 ? ctx : 0;
}

void BatchReads::give_back(aio_context_t ctx) const {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(ctx);
}

bool BatchReads::read(const std::vector<int64_t>& offsets, size_t bytes, void* out, std::vector<char>& ok) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (refused_) return false;
  }
  ok.assign(offsets.size(), 0);
  if (offsets.empty()) return true;
  const size_t stride = (bytes + kAlign - 1) / kAlign * kAlign;
  std::unique_ptr<void, FreeDeleter> buffer(std::aligned_alloc(kAlign, stride * offsets.size()));
  const aio_context_t ctx = take_context();
  if (!buffer || ctx == 0) {
    if (ctx != 0) give_back(ctx);
    return false;
  }
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
      cbs[i].aio_buf = reinterpret_cast<uint64_t>(static_cast<char*>(buffer.get()) + (first + i) * stride);
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
      if (r < 0) {  // cannot happen with a valid context: destroying it waits for its reads
        io_destroy(ctx);
        return false;
      }
      for (long e = 0; e < r; ++e) {
        const size_t i = events[e].data;
        if (events[e].res == static_cast<int64_t>(bytes)) {
          std::memcpy(static_cast<char*>(out) + i * bytes, static_cast<char*>(buffer.get()) + i * stride, bytes);
          ok[i] = 1;
        } else if (events[e].res == -EINVAL) {
          refused = true;
        }
      }
      done += r;
    }
    if (submitted < static_cast<long>(n) && !refused) break;  // the kernel stopped taking reads
  }
  give_back(ctx);
  if (refused) {
    std::lock_guard<std::mutex> lock(mutex_);
    refused_ = true;
    return false;
  }
  return true;
}

}  // namespace lingbi::gallery

#include "catalog_readers.h"

#include <atomic>
#include <exception>
#include <system_error>

namespace lingbi::gallery {

struct CatalogReaders::Batch {
  std::vector<int64_t> ids;
  bool rows = false;
  std::vector<PictureLookup> out;
  std::atomic<size_t> next{0};  // the next lookup to take
  size_t done = 0;              // lookups finished (under mutex_)
  std::exception_ptr error;     // the first lookup that failed (under mutex_)
};

PictureLookup look_up_picture(const Catalog& catalog, int64_t id, bool rows) {
  PictureLookup found;
  found.paths = catalog.paths_of(id);
  if (rows) found.row = catalog.image(id, false);
  return found;
}

CatalogReaders::CatalogReaders(const std::string& file, int threads, bool writer_open) {
  threads_.reserve(threads);
  try {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this, file, writer_open] { serve(file, writer_open); });
  } catch (const std::system_error&) {
    // The system refused another thread: those started (or the caller alone) do the lookups.
  }
}

CatalogReaders::~CatalogReaders() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void CatalogReaders::serve(const std::string& file, bool writer_open) {
  std::unique_ptr<Catalog> catalog;
  try {
    catalog = Catalog::open_read_only(file, writer_open);
  } catch (const std::exception&) {
    // Takes no lookups (see the constructor's comment); the caller's own connection reports
    // whatever is wrong with the file.
  }
  unsigned seen = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || batch_number_ != seen; });
    if (stopping_) return;
    seen = batch_number_;
    std::shared_ptr<Batch> batch = batch_;
    lock.unlock();
    if (catalog && batch) work(*catalog, *batch);
    batch.reset();
    lock.lock();
  }
}

void CatalogReaders::work(const Catalog& catalog, Batch& batch) {
  for (size_t i; (i = batch.next++) < batch.ids.size();) {
    std::exception_ptr error;
    try {
      batch.out[i] = look_up_picture(catalog, batch.ids[i], batch.rows);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    if (error && !batch.error) batch.error = error;
    if (++batch.done == batch.ids.size()) finished_.notify_all();
  }
}

std::vector<PictureLookup> CatalogReaders::look_up(const Catalog& own, const std::vector<int64_t>& ids, bool rows,
                                                   bool parallel) {
  std::lock_guard caller(caller_mutex_);
  auto batch = std::make_shared<Batch>();
  batch->ids = ids;
  batch->rows = rows;
  batch->out.resize(ids.size());
  if (parallel && ids.size() > 1 && !threads_.empty()) {  // one lookup gains nothing from waking threads
    std::lock_guard lock(mutex_);
    batch_ = batch;
    ++batch_number_;
    wake_.notify_all();
  }
  work(own, *batch);
  std::unique_lock lock(mutex_);
  finished_.wait(lock, [&] { return batch->done == batch->ids.size(); });
  if (batch->error) std::rethrow_exception(batch->error);
  return std::move(batch->out);
}

}  // namespace lingbi::gallery

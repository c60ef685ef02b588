// Looks up several pictures in the catalog at once. A search's ten hits are random rows of a
// catalog that at 10M pictures is twelve times the memory it may use: after opening, each of a
// hit's two B-tree lookups (its paths, its row) waits for a disk read or two, and one connection
// waits for them one after another. A few read-only connections, each on its own thread, overlap
// those waits; the calling thread takes a share on its own connection. docs/gallery.md, "Cold
// search at 10M", has the figures. Internal to src/gallery.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "catalog.h"

namespace lingbi::gallery {

struct PictureLookup {
  std::vector<std::string> paths;  // sorted; empty when no file points at the picture any more
  std::optional<ImageRow> row;     // without its vector; only when asked for, and unset when gone
};

// One picture's lookup on one connection.
PictureLookup look_up_picture(const Catalog& catalog, int64_t id, bool rows);

class CatalogReaders {
 public:
  // `threads` more connections to `file`, opened by their threads (Catalog::open_read_only;
  // `writer_open` as there). A thread whose connection cannot be opened (or that the system does
  // not start) takes no lookups: the others and the caller's connection do them all, so results
  // never depend on it.
  CatalogReaders(const std::string& file, int threads, bool writer_open);
  ~CatalogReaders();  // waits for the threads to finish their lookups and close their connections

  // The paths of each id and, with `rows`, its row, in the order of `ids`. `own` is the caller's
  // connection, used on the calling thread; with `parallel` false it does them all. One batch at
  // a time (a second caller waits). Throws lingbi::Error as Catalog does (a damaged file, a
  // failing disk).
  std::vector<PictureLookup> look_up(const Catalog& own, const std::vector<int64_t>& ids, bool rows,
                                     bool parallel = true);

  CatalogReaders(const CatalogReaders&) = delete;
  CatalogReaders& operator=(const CatalogReaders&) = delete;

 private:
  struct Batch;
  void serve(const std::string& file, bool writer_open);  // a thread's loop
  void work(const Catalog& catalog, Batch& batch);        // takes lookups until none are left

  std::mutex caller_mutex_;  // one batch at a time
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  // The latest batch. Threads keep it alive while they work on it, so the caller waits for its
  // lookups to be done, not for every thread to have woken up.
  std::shared_ptr<Batch> batch_;
  unsigned batch_number_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace lingbi::gallery

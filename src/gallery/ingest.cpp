// Ingestion: a walker thread, decoding threads and the encoder (on the calling thread) overlap;
// results are committed to the catalog in batches, then mirrored into the vector index. With
// IndexOptions::take_turns, decoders and encoder share the same cores: decoding pauses (between
// pictures) while a batch is encoded, and goes on while the batch is committed.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "bounded_queue.h"
#include "gallery_impl.h"
#include "image_decode.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "lingbi/util/file_walk.h"
#include "lingbi/util/hash.h"
#include "lingbi/util/progress.h"
#include "lingbi/util/read_file.h"
#include "lingbi/util/vips_init.h"
#include "vector_index.h"

namespace lingbi::gallery {

namespace fs = std::filesystem;

namespace {

struct WorkItem {
  std::string path;
  int64_t size = 0, mtime_ns = 0;
  bool known_path = false;  // the catalog has this path, with another size or mtime
  std::string walk_error;
};

struct Result {
  enum Kind { kEmbed, kDuplicate, kFailed };
  WorkItem item;
  Kind kind = kFailed;
  std::string reason;
  ImageRow row;  // hash and metadata; the vector comes from the encoder
  PreparedImage prepared;
};

std::vector<unsigned char> read_file(const std::string& path) {
  try {
    return read_file_bytes(path);
  } catch (const Error& e) {
    throw Error(std::string("cannot read: ") + e.what());
  }
}

bool under_root(const std::string& path, const std::vector<std::string>& roots) {
  for (const auto& r : roots) {
    if (path == r) return true;
    if (path.size() > r.size() && path.compare(0, r.size(), r) == 0 && (r.back() == '/' || path[r.size()] == '/'))
      return true;
  }
  return false;
}

}  // namespace

class Ingest {
 public:
  Ingest(Gallery::Impl& g, ImageEmbedder& e, const IndexOptions& o)
      : gallery_(g), catalog_(*g.catalog_), embedder_(e), options_(o), work_(1024), results_(64) {}

  IndexSummary run() {
    const auto start = std::chrono::steady_clock::now();
    gallery_.check_model(embedder_);
    for (const auto& r : options_.roots) {
      std::error_code ec;
      if (!fs::exists(r, ec)) throw Error("cannot index " + r + ": no such file or folder");
      fs::path p = fs::absolute(r).lexically_normal();
      if (!p.has_filename() && p != p.root_path()) p = p.parent_path();
      roots_.push_back(p.string());
    }
    if (options_.shards < 1 || options_.shard < 0 || options_.shard >= options_.shards)
      throw Error("--shard must be i/N with 0 <= i < N");
    catalog_.for_each_path([&](const PathRow& r) { known_paths_.emplace(r.path, r); });
    catalog_.for_each_failure([&](const FailureRow& r) { known_failures_.emplace(r.path, r); });
    catalog_hashes_ = catalog_.hashes();
    ensure_vips();

    std::thread walker([&] { walk(); });
    const int n_threads = options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> workers;
    for (int i = 0; i < n_threads; ++i) workers.emplace_back([&] { decode_loop(); });
    std::thread closer;
    try {
      closer = std::thread([&] {
        for (auto& w : workers) w.join();
        results_.close();
      });
      consume();
    } catch (...) {
      stopping_ = true;
      work_.close();
      results_.close();
      walker.join();
      if (closer.joinable()) closer.join();
      throw;
    }
    walker.join();
    closer.join();
    if (!walk_error_.empty()) throw Error(walk_error_);
    finish();
    summary_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary_;
  }

 private:
  void walk() {
    try {
      walk_files(roots_, WalkOptions{options_.hidden}, is_image_name, [&](const WalkEntry& e) {
        if (stopping_) return;
        if (options_.shards > 1 && xxh3_64(e.path) % options_.shards != static_cast<uint64_t>(options_.shard)) return;
        if (!seen_.insert(e.path).second) return;  // overlapping roots: each path once
        ++walked_;
        if (e.error.empty()) {
          auto p = known_paths_.find(e.path);
          if (p != known_paths_.end() && p->second.size == e.size && p->second.mtime_ns == e.mtime_ns) {
            ++unchanged_;
            return;
          }
          auto f = known_failures_.find(e.path);
          if (f != known_failures_.end() && f->second.size == e.size && f->second.mtime_ns == e.mtime_ns) {
            ++known_failed_;
            return;
          }
        }
        work_.push(WorkItem{e.path, e.size, e.mtime_ns, known_paths_.count(e.path) > 0, e.error});
      });
    } catch (const std::exception& e) {
      walk_error_ = e.what();
    }
    walk_done_ = true;
    work_.close();
  }

  // Taking turns: decoders enter between pictures unless the encoder holds the cores.
  class DecodeTurn {
   public:
    explicit DecodeTurn(Ingest& in) : in_(in) {
      if (!in_.options_.take_turns) return;
      std::unique_lock lock(in_.turn_mutex_);
      in_.turn_cv_.wait(lock, [&] { return !in_.encoding_; });
      ++in_.decoding_;
    }
    ~DecodeTurn() {
      if (!in_.options_.take_turns) return;
      std::lock_guard lock(in_.turn_mutex_);
      if (--in_.decoding_ == 0) in_.turn_cv_.notify_all();
    }
    DecodeTurn(const DecodeTurn&) = delete;
    DecodeTurn& operator=(const DecodeTurn&) = delete;

   private:
    Ingest& in_;
  };

  // The encoder's turn: waits for the pictures being decoded, keeps new ones from starting.
  class EncodeTurn {
   public:
    explicit EncodeTurn(Ingest& in) : in_(in) {
      if (!in_.options_.take_turns) return;
      std::unique_lock lock(in_.turn_mutex_);
      in_.encoding_ = true;
      in_.turn_cv_.wait(lock, [&] { return in_.decoding_ == 0; });
    }
    ~EncodeTurn() {
      if (!in_.options_.take_turns) return;
      std::lock_guard lock(in_.turn_mutex_);
      in_.encoding_ = false;
      in_.turn_cv_.notify_all();
    }
    EncodeTurn(const EncodeTurn&) = delete;
    EncodeTurn& operator=(const EncodeTurn&) = delete;

   private:
    Ingest& in_;
  };

  void decode_loop() {
    while (auto item = work_.pop()) {
      Result r;
      r.item = std::move(*item);
      try {
        DecodeTurn turn(*this);
        if (!r.item.walk_error.empty()) throw Error("cannot read: " + r.item.walk_error);
        const std::vector<unsigned char> bytes = read_file(r.item.path);
        if (bytes.empty()) throw Error("empty file (0 bytes)");
        r.row.hash = xxh3_128_hex(bytes.data(), bytes.size());
        r.row.bytes = static_cast<int64_t>(bytes.size());
        {
          std::lock_guard lock(claims_mutex_);
          const bool in_catalog = catalog_hashes_.count(r.row.hash) > 0;
          // A picture already known (or being decoded by another thread) needs no decoding, unless
          // this path changed: then it is decoded and embedded again to refresh it.
          if (claimed_.count(r.row.hash) || (in_catalog && !r.item.known_path)) {
            r.kind = Result::kDuplicate;
          } else {
            claimed_.insert(r.row.hash);
          }
        }
        if (r.kind != Result::kDuplicate) {
          DecodedImage d = decode_image(r.item.path, bytes, embedder_.image_size(), options_.max_pixels);
          r.row.width = d.width;
          r.row.height = d.height;
          r.row.caption = std::move(d.caption);
          r.row.tags = std::move(d.tags);
          r.row.appearance = d.appearance;
          r.prepared = embedder_.prepare(d.thumbnail);
          r.kind = Result::kEmbed;
        }
      } catch (const std::exception& e) {
        r.kind = Result::kFailed;
        r.reason = e.what();
      }
      if (!results_.push(std::move(r))) return;
    }
  }

  void consume() {
    Progress progress("indexing", stderr, options_.progress);
    auto last_save = std::chrono::steady_clock::now();
    for (;;) {
      std::optional<Result> r = results_.pop();
      if (r) {
        (r->kind == Result::kEmbed ? embeds_ : others_).push_back(std::move(*r));
        ++processed_;
      }
      if (!r || static_cast<int>(embeds_.size()) >= std::max(1, options_.batch_size) || others_.size() >= 512) {
        flush();
        if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_save).count() >=
            options_.save_interval_s) {
          gallery_.save_index();
          last_save = std::chrono::steady_clock::now();
        }
      }
      progress.update(processed_ + unchanged_ + known_failed_, walk_done_ ? walked_.load() : -1,
                      summary_.failed + known_failed_);
      if (!r) break;
    }
    progress.finish();
  }

  void count_success(const WorkItem& item, bool embedded) {
    if (item.known_path)
      ++summary_.updated;
    else if (embedded)
      ++summary_.added;
    else
      ++summary_.duplicates;
  }

  void record_failure(const WorkItem& item, const std::string& reason) {
    catalog_.upsert_failure(FailureRow{item.path, item.size, item.mtime_ns, reason});
    if (item.known_path) catalog_.delete_path(item.path);
    ++summary_.failed;
  }

  void link_path(const WorkItem& item, int64_t image_id) {
    catalog_.upsert_path(PathRow{item.path, item.size, item.mtime_ns, image_id});
    catalog_.delete_failure(item.path);
  }

  // Resolves copies that waited for their original picture to be committed or to fail.
  void resolve_waiting(const std::string& hash) {
    auto w = waiting_.find(hash);
    if (w == waiting_.end()) return;
    for (const Result& d : w->second) place_duplicate(d, false);
    waiting_.erase(w);
  }

  void place_duplicate(const Result& d, bool may_wait) {
    int64_t id = 0;
    if (auto it = run_ids_.find(d.row.hash); it != run_ids_.end()) {
      id = it->second;
    } else if (auto found = catalog_.image_id_for_hash(d.row.hash)) {
      id = *found;
    } else if (auto f = failed_hashes_.find(d.row.hash); f != failed_hashes_.end()) {
      return record_failure(d.item, f->second);
    } else if (may_wait) {
      waiting_[d.row.hash].push_back(d);
      return;
    } else {
      return record_failure(d.item, "its picture (same content as another file) could not be stored");
    }
    link_path(d.item, id);
    count_success(d.item, false);
  }

  void flush() {
    if (embeds_.empty() && others_.empty()) return;
    std::vector<std::vector<float>> vectors;
    if (!embeds_.empty()) {
      std::vector<PreparedImage> batch;
      for (auto& e : embeds_) batch.push_back(std::move(e.prepared));
      EncodeTurn turn(*this);
      vectors = embedder_.embed_images(std::move(batch));
      summary_.embedded += static_cast<int64_t>(embeds_.size());
    }
    std::vector<int64_t> removed, added;
    std::vector<float> added_vectors;
    catalog_.begin();
    for (size_t i = 0; i < embeds_.size(); ++i) {
      Result& e = embeds_[i];
      e.row.vector = std::move(vectors.at(i));
      const auto old = catalog_.image_id_for_hash(e.row.hash);
      if (old) catalog_.delete_image(*old);
      const int64_t id = catalog_.insert_image(e.row);
      if (old) {
        catalog_.repoint_paths(*old, id);
        removed.push_back(*old);
      }
      link_path(e.item, id);
      count_success(e.item, true);
      run_ids_[e.row.hash] = id;
      added.push_back(id);
      added_vectors.insert(added_vectors.end(), e.row.vector.begin(), e.row.vector.end());
    }
    for (const Result& o : others_) {
      if (o.kind == Result::kFailed) {
        record_failure(o.item, o.reason);
        // A failure after hashing means this file had claimed its picture: copies waiting for
        // that picture fail with the same reason.
        if (!o.row.hash.empty()) failed_hashes_.emplace(o.row.hash, o.reason);
      } else {
        place_duplicate(o, true);
      }
    }
    for (const Result& e : embeds_) resolve_waiting(e.row.hash);
    for (const Result& o : others_)
      if (o.kind == Result::kFailed && !o.row.hash.empty()) resolve_waiting(o.row.hash);
    catalog_.commit();
    gallery_.apply_to_index(removed, added, added_vectors);
    embeds_.clear();
    others_.clear();
  }

  void finish() {
    catalog_.begin();
    for (auto& [hash, list] : waiting_)
      for (const Result& d : list) place_duplicate(d, false);
    waiting_.clear();
    if (options_.prune) {
      auto prunable = [&](const std::string& path) {
        return !seen_.count(path) && under_root(path, roots_) &&
               (options_.shards <= 1 || xxh3_64(path) % options_.shards == static_cast<uint64_t>(options_.shard));
      };
      for (const auto& [path, row] : known_paths_)
        if (prunable(path)) {
          catalog_.delete_path(path);
          ++summary_.pruned;
        }
      for (const auto& [path, row] : known_failures_)
        if (prunable(path)) catalog_.delete_failure(path);
    }
    const std::vector<int64_t> orphans = catalog_.orphan_images();
    for (int64_t id : orphans) catalog_.delete_image(id);
    catalog_.commit();
    gallery_.apply_to_index(orphans, {}, {});
    summary_.unchanged = unchanged_;
    summary_.failed += known_failed_;
    const int64_t n = catalog_.count("images");
    if (gallery_.index_->kind() == "Flat" && n >= options_.flat_limit)
      gallery_.optimize(options_.flat_limit);
    else
      gallery_.save_index();
  }

  Gallery::Impl& gallery_;
  Catalog& catalog_;
  ImageEmbedder& embedder_;
  const IndexOptions& options_;
  std::vector<std::string> roots_;

  // Read-only while threads run.
  std::unordered_map<std::string, PathRow> known_paths_;
  std::unordered_map<std::string, FailureRow> known_failures_;
  std::unordered_map<std::string, int64_t> catalog_hashes_;

  // Walker thread only (read by finish() after it ended).
  std::unordered_set<std::string> seen_;
  std::string walk_error_;
  std::atomic<int64_t> walked_{0}, unchanged_{0}, known_failed_{0};
  std::atomic<bool> walk_done_{false}, stopping_{false};

  std::mutex turn_mutex_;
  std::condition_variable turn_cv_;
  bool encoding_ = false;  // the encoder holds the cores (take_turns)
  int decoding_ = 0;       // pictures being decoded now (take_turns)

  std::mutex claims_mutex_;
  std::unordered_set<std::string> claimed_;

  BoundedQueue<WorkItem> work_;
  BoundedQueue<Result> results_;

  // Calling thread only.
  std::vector<Result> embeds_, others_;
  std::unordered_map<std::string, int64_t> run_ids_;
  std::unordered_map<std::string, std::string> failed_hashes_;
  std::unordered_map<std::string, std::vector<Result>> waiting_;
  int64_t processed_ = 0;
  IndexSummary summary_;
};

}  // namespace lingbi::gallery

namespace lingbi {

IndexSummary Gallery::Impl::index(ImageEmbedder& embedder, const IndexOptions& options) {
  require_writable("index into");
  gallery::Ingest ingest(*this, embedder, options);
  return ingest.run();
}

}  // namespace lingbi

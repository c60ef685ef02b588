// Opening a gallery folder, keeping its vector index in step with the catalog, info, optimize.
#include "lingbi/gallery/gallery.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include "gallery_impl.h"
#include "image_decode.h"
#include "lingbi/util/error.h"
#include "lingbi/util/read_file.h"

namespace lingbi {

namespace fs = std::filesystem;
using namespace gallery;

namespace {

constexpr const char* kCatalogFile = "catalog.sqlite";
constexpr const char* kIndexFile = "vectors.faiss";
constexpr const char* kVectorFile = "vectors.f32";
constexpr const char* kVectorFileToken = "vector_file_token";
constexpr const char* kCardFile = "cards.bin";
constexpr const char* kCardFileToken = "card_file_token";
constexpr const char* kIndexGeneration = "index_generation";  // the catalog generation the index file holds
constexpr size_t kChunk = 8192;

// Names one version of a file beside the catalog (vectors.f32, cards.bin): the catalog trusts a
// file whose header holds the token it recorded.
std::string random_token() {
  char token[17];
  std::snprintf(token, sizeof token, "%016llx", static_cast<unsigned long long>(std::random_device{}()) << 32 ^
                                                    std::random_device{}());
  return token;
}

}  // namespace

Gallery::Impl::Impl(std::string dir, UniqueFd lock, std::unique_ptr<Catalog> catalog, bool writable)
    : dir_(std::move(dir)), lock_(std::move(lock)), catalog_(std::move(catalog)), writable_(writable) {}

void Gallery::Impl::require_writable(const char* what) const {
  if (!writable_) throw Error(std::string("cannot ") + what + " gallery " + dir_ + ": it was opened for reading");
}

std::string Gallery::Impl::index_file() const { return (fs::path(dir_) / kIndexFile).string(); }
std::string Gallery::Impl::vector_file_path() const { return (fs::path(dir_) / kVectorFile).string(); }
std::string Gallery::Impl::card_file_path() const { return (fs::path(dir_) / kCardFile).string(); }

const ExactVectors* Gallery::Impl::exact_vectors() const {
  return vector_file_ ? static_cast<const ExactVectors*>(vector_file_.get()) : catalog_.get();
}

void Gallery::Impl::create_vector_file() {
  const std::string token = random_token();
  vector_file_.reset();
  catalog_->set_meta(kVectorFileToken, token);  // first, so a half-written file is never trusted
  vector_file_ = VectorFile::create(vector_file_path(), std::stoi(catalog_->meta("dim")), token, *catalog_);
}

void Gallery::Impl::open_vector_file() {
  const int dim = std::stoi(catalog_->meta("dim"));
  vector_file_ = VectorFile::open(vector_file_path(), dim, catalog_->meta(kVectorFileToken), *catalog_, writable_);
  if (vector_file_ || !writable_) return;  // a reader without one re-ranks from the catalog
  create_vector_file();
  catalog_->for_each_vector_chunk(kChunk,
                                  [&](const auto& ids, const auto& vectors) { vector_file_->write(ids, vectors); });
  vector_file_->sync();
}

namespace {

// Runs f in one catalog transaction: committed when it returns, rolled back when it throws.
template <class F>
void in_transaction(Catalog& catalog, F&& f) {
  catalog.begin();
  try {
    f();
    catalog.commit();
  } catch (...) {
    catalog.rollback();
    throw;
  }
}

}  // namespace

void Gallery::Impl::open_cards() {
  const std::string token = catalog_->meta(kCardFileToken);
  // A token is set only by a writer, which also made the stale list (kSchema).
  if (!token.empty()) cards_ = CardFile::open(card_file_path(), token, catalog_->stale_cards(), writable_);
  if (!writable_) return;
  if (cards_) return refresh_cards();
  write_cards();  // missing, another catalog's, or a catalog from before cards
}

void Gallery::Impl::write_cards() {
  cards_.reset();
  // The catalog names the new token only once the file is on disk, and forgets every stale mark
  // in the same transaction.
  const std::string fresh = random_token();
  CardFile::create(card_file_path(), fresh, [&](const auto& add) { catalog_->for_each_card(add); });
  in_transaction(*catalog_, [&] {
    catalog_->set_meta(kCardFileToken, fresh);
    catalog_->forget_all_stale_cards();
  });
  cards_ = CardFile::open(card_file_path(), fresh, {}, true);
}

void Gallery::Impl::refresh_cards() {
  if (!writable_ || !cards_) return;
  const std::vector<int64_t> stale = catalog_->stale_cards();
  if (stale.empty()) return;
  // Most of the gallery (a merge of shards, writes by an older lingbi): one pass over the catalog
  // costs less than a lookup and a write per picture.
  if (stale.size() >= 100000 && stale.size() * 2 >= static_cast<size_t>(index_->size())) return write_cards();
  for (int64_t id : stale) {
    if (auto card = catalog_->card(id))
      cards_->write(*card);
    else
      cards_->erase(id);
  }
  cards_->sync(stale);  // durable before the marks go
  in_transaction(*catalog_, [&] { catalog_->forget_stale_cards(stale); });
}

std::unique_ptr<Gallery::Impl> Gallery::Impl::open(const std::string& dir, const std::string* model_name,
                                                  const std::string* model_hash, int dim, bool writable) {
  const bool create = model_hash != nullptr;
  const fs::path catalog_path = fs::path(dir) / kCatalogFile;
  if (!create && !fs::exists(catalog_path))
    throw Error("no gallery at " + dir + " (no " + kCatalogFile + "); create one with `lingbi index --gallery " + dir +
                " --clip MODEL.gguf PATH...`");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create gallery folder " + dir + ": " + ec.message());
  const std::string lock_path = (fs::path(dir) / "lock").string();
  // A reader writes nothing: it opens the lock file read-only (flock needs no more) and creates it
  // only when the gallery has none yet.
  UniqueFd lock(writable ? -1 : ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!lock) lock.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock) throw Error("cannot open " + lock_path + ": check the permissions of the gallery folder");
  // Readers share the lock; a writer holds it alone.
  if (::flock(lock.get(), (writable ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    throw Error(writable ? "gallery " + dir + " is in use by another lingbi process; wait for it to finish"
                         : "gallery " + dir + " is being changed by another lingbi process (index, merge or " +
                               "optimize); wait for it to finish");
  }
  auto catalog = writable ? Catalog::open(catalog_path.string(), create) : Catalog::open_read_only(catalog_path.string());
  auto g = std::make_unique<Impl>(dir, std::move(lock), std::move(catalog), writable);
  Catalog& c = *g->catalog_;
  if (c.meta("model_hash").empty()) {
    if (!create) throw Error("gallery " + dir + " has no model record; index it again with --clip");
    c.set_meta("format", "1");
    c.set_meta("model_name", *model_name);
    c.set_meta("model_hash", *model_hash);
    c.set_meta("dim", std::to_string(dim));
    c.set_meta("index_kind", "Flat");
  } else if (create && c.meta("model_hash") != *model_hash) {
    throw Error("gallery " + dir + " was indexed with CLIP model '" + c.meta("model_name") + "' (content hash " +
                c.meta("model_hash") + "), not with '" + *model_name + "' (" + *model_hash +
                "); use that model, or index into a new gallery");
  }
  g->reconcile();
  g->open_cards();
  return g;
}

// Gallery itself only forwards to its Impl.

Gallery::Gallery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gallery::~Gallery() = default;

std::unique_ptr<Gallery> Gallery::open(const std::string& dir, Access access) {
  return std::unique_ptr<Gallery>(new Gallery(Impl::open(dir, nullptr, nullptr, 0, access == Access::write)));
}

std::unique_ptr<Gallery> Gallery::open_for(const std::string& dir, const ImageEmbedder& embedder) {
  const std::string name = embedder.name(), hash = embedder.content_hash();
  return std::unique_ptr<Gallery>(new Gallery(Impl::open(dir, &name, &hash, embedder.dim(), true)));
}

std::unique_ptr<Gallery> Gallery::open_like(const std::string& dir, const Gallery& src) {
  const Catalog& catalog = *src.impl_->catalog_;
  const std::string name = catalog.meta("model_name"), hash = catalog.meta("model_hash");
  return std::unique_ptr<Gallery>(new Gallery(Impl::open(dir, &name, &hash, std::stoi(catalog.meta("dim")), true)));
}

void Gallery::check_model(const ImageEmbedder& embedder) const { impl_->check_model(embedder); }
GalleryInfo Gallery::info() const { return impl_->info(); }
void Gallery::remember_model_path(const std::string& path) {
  if (!impl_->writable_) throw Error("gallery " + impl_->dir_ + " is open for reading only");
  impl_->catalog_->set_meta("model_path", fs::absolute(path).lexically_normal().string());
}
std::string Gallery::remembered_model_path(const std::string& dir) {
  const fs::path catalog_path = fs::path(dir) / kCatalogFile;
  if (!fs::exists(catalog_path)) throw Error("no gallery at " + dir + " (no " + kCatalogFile + ")");
  return Catalog::open_read_only(catalog_path.string())->meta("model_path");
}
std::vector<Failure> Gallery::failures() const { return impl_->failures(); }
IndexSummary Gallery::index(ImageEmbedder& embedder, const IndexOptions& options) {
  return impl_->index(embedder, options);
}
std::vector<SearchHit> Gallery::search(const std::vector<float>& query, const SearchOptions& options) const {
  return impl_->search(query, options);
}
std::string Gallery::optimize(int64_t flat_limit) { return impl_->optimize(flat_limit); }
void Gallery::merge_from(const Gallery& other) { impl_->merge_from(*other.impl_); }
std::vector<float> Gallery::vector_of(int64_t id) const { return impl_->catalog_->vector_of(id); }
std::vector<float> Gallery::index_vector_of(int64_t id) const { return impl_->index_->reconstruct(id); }
std::vector<int64_t> Gallery::index_ids() const { return impl_->index_->ids(); }
std::optional<ImageRecord> Gallery::image(int64_t id) const { return impl_->image(id); }
std::optional<int64_t> Gallery::find_hash(const std::string& hash) const {
  return impl_->catalog_->image_id_for_hash(hash);
}
std::vector<int64_t> Gallery::image_ids() const { return impl_->catalog_->image_ids(); }
std::string Gallery::dir() const { return impl_->dir_; }

// The Impl: opening, keeping the index in step with the catalog, info, optimize.

void Gallery::Impl::check_model(const ImageEmbedder& embedder) const {
  const std::string hash = catalog_->meta("model_hash");
  if (hash != embedder.content_hash())
    throw Error("gallery " + dir_ + " was indexed with CLIP model '" + catalog_->meta("model_name") +
                "' (content hash " + hash + "), but --clip gives '" + embedder.name() + "' (" +
                embedder.content_hash() + "); pass the model the gallery was made with");
}

// After a crash the index file may lag behind the catalog (or be missing, or half-written under
// its temporary name): add the catalog's vectors it lacks and drop the ones the catalog lacks.
void Gallery::Impl::reconcile() {
  const int dim = std::stoi(catalog_->meta("dim"));
  const std::string kind = VectorIndex::current_kind(catalog_->meta("index_kind"));
  if (writable_ && kind != catalog_->meta("index_kind")) catalog_->set_meta("index_kind", kind);
  index_ = VectorIndex::load(index_file(), kind);
  if (!index_ || index_->dim() != dim) return rebuild_index(kind);
  if (kind != "Flat") open_vector_file();
  // Saved at the catalog's current generation: nothing can differ, and listing the ids of a large
  // catalog means reading all of it (the vectors sit in the same rows).
  const std::string generation = catalog_->meta("generation");  // "" in a catalog no writer upgraded yet
  if (!generation.empty() && catalog_->meta(kIndexGeneration) == generation) return;
  std::vector<int64_t> in_catalog = catalog_->image_ids(), in_index = index_->ids();
  std::sort(in_index.begin(), in_index.end());
  std::vector<int64_t> missing, extra;
  std::set_difference(in_catalog.begin(), in_catalog.end(), in_index.begin(), in_index.end(),
                      std::back_inserter(missing));
  std::set_difference(in_index.begin(), in_index.end(), in_catalog.begin(), in_catalog.end(),
                      std::back_inserter(extra));
  if (missing.empty() && extra.empty()) return;
  std::vector<float> vectors;
  for (int64_t id : missing) {
    auto v = catalog_->vector_of(id);
    vectors.insert(vectors.end(), v.begin(), v.end());
  }
  apply_to_index(extra, missing, vectors);
  save_index();
}

void Gallery::Impl::apply_to_index(const std::vector<int64_t>& removed, const std::vector<int64_t>& added_ids,
                             const std::vector<float>& added_vectors) {
  index_->remove(removed);
  if (vector_file_ && writable_) vector_file_->write(added_ids, added_vectors);  // before the index names them
  // A reader writes nothing: the file may lack these rows (or hold rows a writer never finished),
  // so their exact vectors come from the catalog.
  if (vector_file_ && !writable_) vector_file_->read_from_fallback(added_ids);
  index_->add(added_ids, added_vectors);
}

void Gallery::Impl::rebuild_index(const std::string& wanted) {
  const int dim = std::stoi(catalog_->meta("dim"));
  std::string kind = wanted;
  if (kind != "Flat" && catalog_->count("images") < 1024) {
    kind = "Flat";  // too few vectors to train IVF-PQ
    if (writable_) catalog_->set_meta("index_kind", kind);
  }
  std::vector<float> training;
  if (const int64_t want = VectorIndex::training_size(kind); want > 0) {
    // Every stride-th image, so that the sample spans the whole library, not its first folders.
    const int64_t stride = std::max<int64_t>(1, catalog_->count("images") / want);
    int64_t seen = 0, taken = 0;
    catalog_->for_each_vector_chunk(kChunk, [&](const auto& ids, const auto& vectors) {
      for (size_t i = 0; i < ids.size(); ++i)
        if (seen++ % stride == 0 && taken < want) {
          training.insert(training.end(), vectors.begin() + i * dim, vectors.begin() + (i + 1) * dim);
          ++taken;
        }
    });
  }
  auto index = VectorIndex::create(dim, kind, training);
  training.clear();
  training.shrink_to_fit();
  vector_file_.reset();
  if (kind == "Flat") {
    std::error_code ec;
    if (writable_) fs::remove(vector_file_path(), ec);  // a Flat index holds its vectors itself
  } else if (writable_) {
    create_vector_file();
  }
  catalog_->for_each_vector_chunk(kChunk, [&](const auto& ids, const auto& vectors) {
    if (vector_file_) vector_file_->write(ids, vectors);  // before the index names them
    index->add(ids, vectors);
  });
  index_ = std::move(index);
  save_index();
}

void Gallery::Impl::save_index() {
  if (!writable_) return;  // a reader keeps what it reconciled in memory
  if (vector_file_) vector_file_->sync();
  index_->stage(index_file());
  publish_index();
}

void Gallery::Impl::publish_index() {
  VectorIndex::publish(index_file());
  catalog_->set_meta(kIndexGeneration, catalog_->meta("generation"));
  refresh_cards();
}

GalleryInfo Gallery::Impl::info() const {
  GalleryInfo i;
  i.images = catalog_->count("images");
  i.paths = catalog_->count("paths");
  i.failed = catalog_->count("failures");
  i.vectors = index_->size();
  i.index = index_->kind();
  i.dim = std::stoi(catalog_->meta("dim"));
  i.model = catalog_->meta("model_name");
  i.model_hash = catalog_->meta("model_hash");
  i.model_path = catalog_->meta("model_path");
  return i;
}

std::vector<Failure> Gallery::Impl::failures() const {
  std::vector<Failure> out;
  catalog_->for_each_failure([&](const FailureRow& r) { out.push_back({r.path, r.reason}); });
  return out;
}

std::string Gallery::Impl::optimize(int64_t flat_limit) {
  require_writable("optimize");
  const std::string kind = VectorIndex::choose_kind(catalog_->count("images"), std::stoi(catalog_->meta("dim")),
                                                    flat_limit);
  rebuild_index(kind);
  catalog_->set_meta("index_kind", kind);
  return kind;
}

std::optional<ImageRecord> Gallery::Impl::image(int64_t id) const {
  auto row = catalog_->image(id, false);
  if (!row) return std::nullopt;
  ImageRecord r;
  r.id = row->id;
  r.hash = row->hash;
  r.paths = catalog_->paths_of(id);
  r.bytes = row->bytes;
  copy_description(*row, r);
  return r;
}

std::vector<float> Gallery::embed_image_file(ImageEmbedder& embedder, const std::string& path) {
  std::vector<unsigned char> bytes;
  try {
    bytes = read_file_bytes(path);
  } catch (const Error& e) {
    throw Error("cannot read query image " + path + ": " + e.what());
  }
  DecodedImage d;
  try {
    d = decode_image(path, bytes, embedder.image_size(), int64_t(1) << 40);
  } catch (const Error& e) {
    throw Error("query image " + path + " does not decode: " + e.what());
  }
  std::vector<PreparedImage> batch;
  batch.push_back(embedder.prepare(d.thumbnail));
  return embedder.embed_images(std::move(batch)).at(0);
}

}  // namespace lingbi

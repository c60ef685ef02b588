// Merging galleries made with the same CLIP model: rows and vectors are copied, never re-embedded.
// All or nothing: the rows go in one transaction, and the new index is staged beside the old one
// before the commit and published after it, so a merge that fails (a damaged source, a full disk)
// leaves the catalog and the index file as they were.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "gallery_impl.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"

namespace lingbi {

using namespace gallery;

void Gallery::Impl::merge_from(const Impl& other) {
  require_writable("merge into");
  const Catalog& src = *other.catalog_;
  if (src.meta("model_hash") != catalog_->meta("model_hash"))
    throw Error("cannot merge " + other.dir_ + " into " + dir_ + ": it was indexed with CLIP model '" +
                src.meta("model_name") + "' (" + src.meta("model_hash") + "), not '" + catalog_->meta("model_name") +
                "' (" + catalog_->meta("model_hash") + "); merge only galleries made with one model");
  std::unordered_map<int64_t, int64_t> id_map;  // other's id -> our id
  std::vector<int64_t> added, keep_ids, old_removed;
  std::vector<float> added_vectors, keep_vectors;
  catalog_->begin();
  try {
    src.for_each_image([&](const ImageRow& r) {
      if (auto mine = catalog_->image_id_for_hash(r.hash)) {
        id_map[r.id] = *mine;
        return;
      }
      const int64_t id = catalog_->insert_image(r);
      id_map[r.id] = id;
      added.push_back(id);
      added_vectors.insert(added_vectors.end(), r.vector.begin(), r.vector.end());
    });
    src.for_each_path([&](const PathRow& p) {
      PathRow mine = p;
      mine.image_id = id_map.at(p.image_id);
      catalog_->upsert_path(mine);
      catalog_->delete_failure(p.path);
    });
    src.for_each_failure([&](const FailureRow& f) {
      catalog_->upsert_failure(f);
      catalog_->delete_path(f.path);
    });
    const std::vector<int64_t> orphans = catalog_->orphan_images();
    for (int64_t id : orphans) catalog_->delete_image(id);
    // Ids added and then orphaned in the same merge never reach the index.
    const std::unordered_set<int64_t> orphaned(orphans.begin(), orphans.end()), new_ids(added.begin(), added.end());
    const size_t dim = added.empty() ? 0 : added_vectors.size() / added.size();
    for (size_t i = 0; i < added.size(); ++i)
      if (!orphaned.count(added[i])) {
        keep_ids.push_back(added[i]);
        keep_vectors.insert(keep_vectors.end(), added_vectors.begin() + i * dim, added_vectors.begin() + (i + 1) * dim);
      }
    for (int64_t id : orphans)
      if (!new_ids.count(id)) old_removed.push_back(id);
    index_->remove(old_removed);
    index_->add(keep_ids, keep_vectors);
    index_->stage(index_file());  // the live index file stays as it was until the commit
    catalog_->commit();
  } catch (...) {
    try {
      catalog_->rollback();
    } catch (...) {
    }
    VectorIndex::discard(index_file());
    if (auto saved = VectorIndex::load(index_file(), index_->kind())) index_ = std::move(saved);
    throw;
  }
  // Committed. vectors.f32 takes the new rows before an index naming them is published; should
  // either fail, the catalog is ahead of the index, which the next open brings in step.
  if (vector_file_) {
    vector_file_->write(keep_ids, keep_vectors);
    vector_file_->sync();
  }
  publish_index();
}

}  // namespace lingbi

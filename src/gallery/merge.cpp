// Merging galleries made with the same CLIP model: rows and vectors are copied, never re-embedded.
#include <algorithm>
#include <unordered_map>

#include "catalog.h"
#include "lingbi/error.h"
#include "lingbi/gallery.h"
#include "vector_index.h"

namespace lingbi {

void Gallery::merge_from(const Gallery& other) {
  require_writable("merge into");
  const Catalog& src = *other.catalog_;
  if (src.meta("model_hash") != catalog_->meta("model_hash"))
    throw Error("cannot merge " + other.dir_ + " into " + dir_ + ": it was indexed with CLIP model '" +
                src.meta("model_name") + "' (" + src.meta("model_hash") + "), not '" + catalog_->meta("model_name") +
                "' (" + catalog_->meta("model_hash") + "); merge only galleries made with one model");
  std::unordered_map<int64_t, int64_t> id_map;  // other's id -> our id
  std::vector<int64_t> added;
  std::vector<float> added_vectors;
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
    std::vector<int64_t> orphans = catalog_->orphan_images();
    for (int64_t id : orphans) catalog_->delete_image(id);
    catalog_->commit();
    std::vector<int64_t> removed;
    for (int64_t id : orphans) removed.push_back(id);
    // Ids added and then orphaned in the same merge never reached the index.
    std::vector<int64_t> keep_ids;
    std::vector<float> keep_vectors;
    const size_t dim = added.empty() ? 0 : added_vectors.size() / added.size();
    std::unordered_map<int64_t, bool> orphaned;
    for (int64_t id : orphans) orphaned[id] = true;
    for (size_t i = 0; i < added.size(); ++i)
      if (!orphaned.count(added[i])) {
        keep_ids.push_back(added[i]);
        keep_vectors.insert(keep_vectors.end(), added_vectors.begin() + i * dim, added_vectors.begin() + (i + 1) * dim);
      }
    std::vector<int64_t> old_removed;
    for (int64_t id : removed)
      if (std::find(added.begin(), added.end(), id) == added.end()) old_removed.push_back(id);
    apply_to_index(old_removed, keep_ids, keep_vectors);
  } catch (...) {
    // Roll back whatever the transaction holds; the catalog stays as it was.
    try {
      catalog_->rollback();
    } catch (...) {
    }
    throw;
  }
  save_index();
}

}  // namespace lingbi

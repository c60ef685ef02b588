// Comparing two galleries by content: the same pictures (by hash) with the same vectors, the same
// paths pointing at them, the same failures, and each index agreeing with its catalog.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "lingbi/gallery/gallery.h"

namespace lingbi::test {

struct GalleryContent {
  std::map<std::string, std::vector<float>> vectors;  // hash -> stored vector
  std::map<std::string, std::string> paths;           // path -> hash
  std::map<std::string, std::string> failures;        // path -> reason
};

inline GalleryContent content_of(const Gallery& g) {
  GalleryContent c;
  for (int64_t id : g.image_ids()) {
    auto rec = g.image(id);
    c.vectors[rec->hash] = g.vector_of(id);
    for (const auto& p : rec->paths) c.paths[p] = rec->hash;
  }
  for (const auto& f : g.failures()) c.failures[f.path] = f.reason;
  return c;
}

// The index holds exactly the catalog's ids, each with the catalog's vector (Flat index).
inline void expect_index_agrees(const Gallery& g) {
  auto ids = g.image_ids(), in_index = g.index_ids();
  std::sort(in_index.begin(), in_index.end());
  ASSERT_EQ(ids, in_index);
  if (g.info().index == "Flat") {
    for (int64_t id : ids) ASSERT_EQ(g.vector_of(id), g.index_vector_of(id)) << "image " << id;
  }
}

inline float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Same pictures, paths and failures; vectors equal within `tolerance` (0: bit for bit).
inline void expect_same_content(const GalleryContent& a, const GalleryContent& b, float tolerance) {
  EXPECT_EQ(a.paths, b.paths);
  EXPECT_EQ(a.failures, b.failures);
  ASSERT_EQ(a.vectors.size(), b.vectors.size());
  float worst = 0;
  for (const auto& [hash, v] : a.vectors) {
    auto it = b.vectors.find(hash);
    ASSERT_NE(it, b.vectors.end()) << hash;
    worst = std::max(worst, max_abs_diff(v, it->second));
  }
  EXPECT_LE(worst, tolerance);
}

}  // namespace lingbi::test

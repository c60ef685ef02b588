// Readers share a gallery (several composes or searches at once); a writer has it alone.
#include <gtest/gtest.h>

#include <functional>

#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"

namespace {

using lingbi::Gallery;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const lingbi::Error& e) {
    return e.what();
  }
  return "";
}

TEST(GalleryAccess, ReadersShareAWriterIsAlone) {
  lingbi::test::TempDir dir;
  const std::string g = (dir.path() / "g").string();
  auto embedder = lingbi::test::make_test_embedder();
  lingbi::test::make_pictures(dir.path() / "pics", 0, 12);
  {
    auto writer = Gallery::open_for(g, *embedder);
    lingbi::IndexOptions o;
    o.roots = {(dir.path() / "pics").string()};
    o.threads = 1;
    o.progress = false;
    ASSERT_EQ(writer->index(*embedder, o).added, 12);
    // While it writes, nobody reads or writes.
    EXPECT_NE(message_of([&] { Gallery::open(g); }).find("is being changed by another lingbi process"),
              std::string::npos);
    EXPECT_NE(message_of([&] { Gallery::open(g, Gallery::Access::write); }).find("is in use"), std::string::npos);
  }
  auto reader1 = Gallery::open(g);
  auto reader2 = Gallery::open(g);
  EXPECT_EQ(reader1->info().images, 12);
  EXPECT_EQ(reader2->info().images, 12);
  lingbi::SearchOptions s;
  s.k = 3;
  auto ids = reader1->image_ids();
  EXPECT_EQ(reader2->search(reader1->vector_of(ids[0]), s).at(0).id, ids[0]);
  // Readers keep writers out, and cannot write themselves.
  EXPECT_NE(message_of([&] { Gallery::open_for(g, *embedder); }).find("is in use"), std::string::npos);
  EXPECT_NE(message_of([&] { reader1->optimize(); }).find("opened for reading"), std::string::npos);
  lingbi::IndexOptions o;
  o.roots = {(dir.path() / "pics").string()};
  EXPECT_NE(message_of([&] { reader1->index(*embedder, o); }).find("opened for reading"), std::string::npos);
  reader1.reset();
  reader2.reset();
  EXPECT_NO_THROW(Gallery::open(g, Gallery::Access::write));
}

}  // namespace

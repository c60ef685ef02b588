// cards.bin (src/gallery/card_file.h): a search's hits read their paths and descriptions from it,
// and it never shows what the catalog no longer says. A hit answered from the file equals the one
// the catalog answers, a card too long for its slot included; every change to a picture or its
// paths, made by any SQLite connection (a killed run, an older lingbi), marks the card stale in the
// same transaction, readers then ask the catalog and the next writer rewrites it; a file made for
// another catalog, or a catalog from before cards, is searched through the catalog and the first
// writer builds the file; a writer's own searches never show a card its changes made stale. Where
// direct reads are refused (ramfs) cards are read one by one.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "gallery/catalog.h"
#include "lingbi/gallery/gallery.h"
#include "support/catalog_sql.h"
#include "support/gallery_fixtures.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using lingbi::Gallery;
using lingbi::SearchHit;
constexpr int kDim = 32;
constexpr int kPictures = 300;

// SQL on the gallery's catalog, as another program would run it (its triggers fire).
std::string sql(const fs::path& gallery, const std::string& statements) {
  return lingbi::test::catalog_sql(gallery / "catalog.sqlite", statements);
}

// Picture i (id i + 1): its own caption, tags, size and appearance, two paths; picture 7's caption
// is too long for a 512-byte card, picture 8 has a Chinese caption and tags.
void make_gallery(const fs::path& dir) {
  fs::create_directories(dir);
  {
    auto c = lingbi::gallery::Catalog::open((dir / "catalog.sqlite").string(), true);
    c->set_meta("format", "1");
    c->set_meta("model_name", "m");
    c->set_meta("model_hash", "m-hash");
    c->set_meta("dim", std::to_string(kDim));
    c->set_meta("index_kind", "Flat");
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    c->begin();
    for (int i = 0; i < kPictures; ++i) {
      lingbi::gallery::ImageRow row;
      row.hash = "h" + std::to_string(i);
      row.width = 100 + i;
      row.height = 50 + i;
      row.bytes = 1000;
      row.caption = i == 7 ? std::string(700, 'x') : i == 8 ? "湖边的清晨，一条小船" : "caption of picture " + std::to_string(i);
      row.tags = i == 8 ? std::vector<std::string>{"湖", "船"} : std::vector<std::string>{"t" + std::to_string(i), "all"};
      row.appearance = {0.001f * i, 0.5f, 0.25f};
      row.vector.assign(kDim, 0.0f);
      for (auto& x : row.vector) x = normal(rng);
      const int64_t id = c->insert_image(row);
      c->upsert_path({"/photos/b/" + std::to_string(i) + ".jpg", 1, 1, id});
      c->upsert_path({"/photos/a/" + std::to_string(i) + ".jpg", 1, 1, id});
    }
    c->commit();
  }
  Gallery::open(dir.string(), Gallery::Access::write);  // builds the index and cards.bin
}

// The k = 20 best for picture `id`'s own vector, as a reader finds them.
std::vector<SearchHit> search_for(const fs::path& dir, int64_t id) {
  auto g = Gallery::open(dir.string());
  lingbi::SearchOptions o;
  o.k = 20;
  o.duplicate_threshold = 1.0f;
  return g->search(g->vector_of(id), o);
}

void expect_same_hits(const std::vector<SearchHit>& a, const std::vector<SearchHit>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id) << i;
    EXPECT_EQ(a[i].path, b[i].path) << i;
    EXPECT_EQ(a[i].caption, b[i].caption) << i;
    EXPECT_EQ(a[i].tags, b[i].tags) << i;
    EXPECT_EQ(a[i].width, b[i].width) << i;
    EXPECT_EQ(a[i].height, b[i].height) << i;
    EXPECT_EQ(a[i].appearance.luminance, b[i].appearance.luminance) << i;
    EXPECT_EQ(a[i].appearance.colourfulness, b[i].appearance.colourfulness) << i;
  }
}

const SearchHit* find(const std::vector<SearchHit>& hits, int64_t id) {
  for (const auto& h : hits)
    if (h.id == id) return &h;
  return nullptr;
}

TEST(GalleryCards, AHitFromItsCardEqualsTheCatalogsAnswer) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g";
  make_gallery(g);
  ASSERT_TRUE(fs::exists(g / "cards.bin"));
  EXPECT_EQ(sql(g, "SELECT COUNT(*) FROM cards_stale"), "0;");
  std::vector<std::vector<SearchHit>> from_cards;
  for (int64_t id : {1, 8, 9, 150, 300}) from_cards.push_back(search_for(g, id));
  const auto& seventh = from_cards[1];  // picture 7 (id 8): its caption does not fit a card
  ASSERT_FALSE(seventh.empty());
  EXPECT_EQ(seventh[0].id, 8);
  EXPECT_EQ(seventh[0].caption, std::string(700, 'x'));
  EXPECT_EQ(seventh[0].path, "/photos/a/7.jpg");  // the first path in byte order
  const auto& eighth = from_cards[2];
  EXPECT_EQ(eighth[0].caption, "湖边的清晨，一条小船");
  EXPECT_EQ(eighth[0].tags, (std::vector<std::string>{"湖", "船"}));
  EXPECT_EQ(eighth[0].width, 108);
  EXPECT_EQ(eighth[0].height, 58);

  fs::remove(g / "cards.bin");
  size_t i = 0;
  for (int64_t id : {1, 8, 9, 150, 300}) expect_same_hits(search_for(g, id), from_cards[i++]);
  Gallery::open(g.string(), Gallery::Access::write);  // writes the missing file again
  ASSERT_TRUE(fs::exists(g / "cards.bin"));
  i = 0;
  for (int64_t id : {1, 8, 9, 150, 300}) expect_same_hits(search_for(g, id), from_cards[i++]);
}

// What the file holds is what searches show while the catalog calls it current: a caption changed
// with the stale mark removed by hand still shows the card's.
TEST(GalleryCards, SearchesReadTheCardsTheCatalogCallsCurrent) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g";
  make_gallery(g);
  sql(g, "UPDATE images SET caption = 'changed' WHERE id = 40; DELETE FROM cards_stale");
  EXPECT_EQ(find(search_for(g, 40), 40)->caption, "caption of picture 39");
  sql(g, "INSERT INTO cards_stale VALUES (40)");
  EXPECT_EQ(find(search_for(g, 40), 40)->caption, "changed");
}

// Changes made outside lingbi (as a killed run leaves them) mark exactly the cards they touch;
// readers show the catalog's truth at once, and the next writer rewrites those cards.
TEST(GalleryCards, EveryChangeMarksItsCardsAndTheNextWriterRewritesThem) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g";
  make_gallery(g);
  sql(g,
      "UPDATE images SET caption = 'a new caption', tags = '[\"new\"]' WHERE id = 11;"
      "UPDATE paths SET path = '/photos/0-moved.jpg' WHERE path = '/photos/b/19.jpg';"  // now first of 20
      "DELETE FROM paths WHERE path = '/photos/a/29.jpg';"                               // b/ now first of 30
      "DELETE FROM paths WHERE image_id = 41;"                                           // no file names 41
      "INSERT OR REPLACE INTO paths(path, size, mtime_ns, image_id) VALUES ('/photos/a/49.jpg', 1, 1, 61)");
  // 50 lost its first path to 61, whose first path it now is.
  EXPECT_EQ(sql(g, "SELECT image_id FROM cards_stale ORDER BY image_id"), "11;20;30;41;50;61;");
  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    EXPECT_EQ(find(search_for(g, 11), 11)->caption, "a new caption");
    EXPECT_EQ(find(search_for(g, 11), 11)->tags, std::vector<std::string>{"new"});
    EXPECT_EQ(find(search_for(g, 20), 20)->path, "/photos/0-moved.jpg");
    EXPECT_EQ(find(search_for(g, 30), 30)->path, "/photos/b/29.jpg");
    EXPECT_EQ(find(search_for(g, 41), 41), nullptr);
    EXPECT_EQ(find(search_for(g, 50), 50)->path, "/photos/b/49.jpg");
    EXPECT_EQ(find(search_for(g, 61), 61)->path, "/photos/a/49.jpg");
    EXPECT_EQ(find(search_for(g, 12), 12)->path, "/photos/a/11.jpg");  // untouched
  };
  check("readers, the marks in place");
  Gallery::open(g.string(), Gallery::Access::write);
  EXPECT_EQ(sql(g, "SELECT COUNT(*) FROM cards_stale"), "0;");
  check("from the rewritten cards");
  sql(g, "DELETE FROM images WHERE id = 12");
  EXPECT_EQ(sql(g, "SELECT image_id FROM cards_stale"), "12;");
}

// A writer's changes reach cards.bin at its next index save; until then its own searches read the
// catalog (here a change committed beside it, as its own batches are).
TEST(GalleryCards, AWritersSearchShowsChangesNotYetInTheFile) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g";
  make_gallery(g);
  auto writer = Gallery::open(g.string(), Gallery::Access::write);
  lingbi::SearchOptions o;
  o.duplicate_threshold = 1.0f;
  ASSERT_EQ(find(writer->search(writer->vector_of(40), o), 40)->caption, "caption of picture 39");
  sql(g, "UPDATE images SET caption = 'changed by this run' WHERE id = 40");
  EXPECT_EQ(find(writer->search(writer->vector_of(40), o), 40)->caption, "changed by this run");
}

// cards.bin of another gallery, or a catalog made before cards: searches ask the catalog, and the
// first writer builds the file.
TEST(GalleryCards, AFileOfAnotherCatalogOrNoneAtAllIsRebuiltByTheFirstWriter) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g", other = dir / "other";
  make_gallery(g);
  make_gallery(other);
  const auto before = search_for(g, 100);
  sql(other, "UPDATE images SET caption = 'the other gallery'");
  Gallery::open(other.string(), Gallery::Access::write);
  ASSERT_EQ(find(search_for(other, 100), 100)->caption, "the other gallery");
  fs::copy_file(other / "cards.bin", g / "cards.bin", fs::copy_options::overwrite_existing);
  expect_same_hits(search_for(g, 100), before);
  const std::string token = sql(g, "SELECT value FROM meta WHERE key = 'card_file_token'");
  Gallery::open(g.string(), Gallery::Access::write);
  EXPECT_NE(sql(g, "SELECT value FROM meta WHERE key = 'card_file_token'"), token);
  expect_same_hits(search_for(g, 100), before);

  // As an older lingbi left it: no token, no stale list, no triggers.
  fs::remove(g / "cards.bin");
  sql(g,
      "DELETE FROM meta WHERE key = 'card_file_token'; DROP TABLE cards_stale;"
      "DROP TRIGGER cards_image_inserted; DROP TRIGGER cards_image_deleted; DROP TRIGGER cards_image_updated;"
      "DROP TRIGGER cards_path_inserting; DROP TRIGGER cards_path_deleted; DROP TRIGGER cards_path_updated");
  expect_same_hits(search_for(g, 100), before);
  EXPECT_FALSE(fs::exists(g / "cards.bin")) << "a reader writes nothing";
  Gallery::open(g.string(), Gallery::Access::write);
  EXPECT_TRUE(fs::exists(g / "cards.bin"));
  EXPECT_FALSE(fs::exists(g / "cards.bin.new"));
  EXPECT_EQ(sql(g, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cards_%'"), "6;");
  expect_same_hits(search_for(g, 100), before);
}

// ramfs refuses O_DIRECT (tmpfs takes it since Linux 6.6): the cards are read one pread each, with
// the same answers. Mounting one needs root; elsewhere the test is skipped.
TEST(GalleryCards, WhereDirectReadsAreRefusedCardsAreReadOneByOne) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g", ram = dir / "ram";
  make_gallery(g);
  const auto on_disk = search_for(g, 9);
  fs::create_directories(ram);
  int status = 0;
  lingbi::test::run_capture("mount -t ramfs lingbi-test " + ram.string() + " 2>/dev/null", status);
  if (status != 0) GTEST_SKIP() << "cannot mount a ramfs here";
  fs::copy(g, ram / "g", fs::copy_options::recursive);
  sql(ram / "g", "UPDATE images SET caption = 'only in the catalog'; DELETE FROM cards_stale");
  const auto on_ramfs = search_for(ram / "g", 9);
  lingbi::test::run_capture("umount " + ram.string(), status);
  EXPECT_EQ(status, 0);
  expect_same_hits(on_ramfs, on_disk);  // from the cards: the catalog's new captions are not shown
  ASSERT_FALSE(on_ramfs.empty());
  EXPECT_EQ(on_ramfs[0].caption, "湖边的清晨，一条小船");
}

}  // namespace

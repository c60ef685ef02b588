// A damaged catalog is an error, never a shorter catalog: reading stops with a message that names
// the file and what to do, and no index is recorded as current; a search whose hit lies on a
// damaged page fails the same way and does not just drop the hit (while cards.bin holds the hit's
// card, the card answers without that page). A merge that fails (a damaged source, a source made
// with another CLIP model) leaves the target's files byte for byte as before.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "gallery/catalog.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "support/gallery_fixtures.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using lingbi::Gallery;
constexpr int kDim = 64;

// A gallery of n synthetic pictures (vectors of `seed`) for model `model`, its index built and saved.
void make_gallery(const fs::path& dir, const std::string& model, int n, unsigned seed) {
  fs::create_directories(dir);
  {
    auto c = lingbi::gallery::Catalog::open((dir / "catalog.sqlite").string(), true);
    c->set_meta("format", "1");
    c->set_meta("model_name", model);
    c->set_meta("model_hash", model + "-hash");
    c->set_meta("dim", std::to_string(kDim));
    c->set_meta("index_kind", "Flat");
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    lingbi::gallery::ImageRow row;
    row.width = row.height = 8;
    c->begin();
    for (int i = 0; i < n; ++i) {
      row.hash = "s" + std::to_string(seed) + "-" + std::to_string(i);
      row.caption = "a synthetic picture with a caption long enough to fill some pages " + std::to_string(i);
      row.vector.assign(kDim, 0.0f);
      for (auto& x : row.vector) x = normal(rng);
      const int64_t id = c->insert_image(row);
      c->upsert_path({"/photos/" + row.hash + ".jpg", 1, 1, id});
    }
    c->commit();
  }
  Gallery::open(dir.string(), Gallery::Access::write);  // builds and saves the index
}

std::string meta(const fs::path& dir, const std::string& key) {
  sqlite3* db = nullptr;
  std::string out;
  // Read-write, so that closing checkpoints the log into the file and removes it (a read-only
  // connection would leave a -wal file behind, whose pages would hide the damage below).
  if (sqlite3_open_v2((dir / "catalog.sqlite").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    const std::string sql = "SELECT value FROM meta WHERE key = '" + key + "'";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

// Overwrites with garbage the catalog page (16 KB) that holds picture `i`'s row: its caption's end
// and its tags ("pages i[]") are found nowhere else in the file. Returns the catalog's path.
fs::path damage_row_page(const fs::path& dir, int i) {
  const fs::path file = dir / "catalog.sqlite";
  EXPECT_FALSE(fs::exists(dir / "catalog.sqlite-wal")) << "the log should be checkpointed into the file";
  const std::string bytes = lingbi::test::read_bytes(file), mark = "pages " + std::to_string(i) + "[]";
  const size_t at = bytes.find(mark);
  EXPECT_NE(at, std::string::npos) << mark;
  EXPECT_EQ(bytes.find(mark, at + 1), std::string::npos) << mark;
  if (at == std::string::npos) return file;
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(at / 16384 * 16384));
  const std::string garbage(16384, '\x5a');
  f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  return file;
}

std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != "lock")
      out[e.path().filename().string()] = std::to_string(std::hash<std::string>{}(lingbi::test::read_bytes(e.path())));
  return out;
}

TEST(GalleryDamage, ADamagedPageIsAnErrorAndNoIndexIsRecordedCurrent) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g";
  make_gallery(g, "m", 3000, 1);
  {  // the catalog moves on after the index was saved (as after a crash): opening must read it all
    auto c = lingbi::gallery::Catalog::open((g / "catalog.sqlite").string(), false);
    c->delete_image(c->image_ids().back());
  }
  const std::string index_generation = meta(g, "index_generation");
  ASSERT_NE(index_generation, meta(g, "generation"));
  const size_t index_before = std::hash<std::string>{}(lingbi::test::read_bytes(g / "vectors.faiss"));
  damage_row_page(g, 1500);
  for (auto access : {Gallery::Access::write, Gallery::Access::read}) {
    try {
      Gallery::open(g.string(), access);
      ADD_FAILURE() << "a damaged catalog opened as if complete";
    } catch (const lingbi::Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find((g / "catalog.sqlite").string()), std::string::npos) << what;
      EXPECT_NE(what.find("malformed"), std::string::npos) << what;
      EXPECT_NE(what.find("restore the gallery folder from a backup"), std::string::npos) << what;
    }
  }
  EXPECT_EQ(meta(g, "index_generation"), index_generation) << "the index was recorded as current";
  EXPECT_EQ(std::hash<std::string>{}(lingbi::test::read_bytes(g / "vectors.faiss")), index_before);
  EXPECT_FALSE(fs::exists(g / "vectors.faiss.tmp"));
}

TEST(GalleryDamage, AHitOnADamagedPageIsASearchErrorNotAMissingHit) {
  lingbi::test::TempDir dir;
  const fs::path g = dir / "g";
  make_gallery(g, "m", 3000, 7);
  std::vector<float> query;
  {
    auto gallery = Gallery::open(g.string());
    query = gallery->vector_of(gallery->find_hash("s7-1500").value());
  }
  const fs::path file = damage_row_page(g, 1500);
  lingbi::SearchOptions o;
  o.duplicate_threshold = 1.0f;  // these vectors are not normalised: the filter would leave one hit
  {
    // Its card in cards.bin answers without the catalog's row: the hit comes back whole.
    auto gallery = Gallery::open(g.string());
    const auto hits = gallery->search(query, o);
    ASSERT_EQ(hits.size(), 10u);
    EXPECT_EQ(hits[0].path, "/photos/s7-1500.jpg");
    EXPECT_EQ(hits[0].caption, "a synthetic picture with a caption long enough to fill some pages 1500");
  }
  fs::remove(g / "cards.bin");  // from now on the catalog answers for every hit
  auto gallery = Gallery::open(g.string());
  try {
    const auto hits = gallery->search(query, o);
    ADD_FAILURE() << "a search read a damaged page without an error (" << hits.size() << " hits)";
  } catch (const lingbi::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find("malformed"), std::string::npos) << what;
    EXPECT_NE(what.find("restore the gallery folder from a backup"), std::string::npos) << what;
  }
}

TEST(GalleryDamage, AFailedMergeLeavesTheTargetAsItWas) {
  lingbi::test::TempDir dir;
  const fs::path target = dir / "target", damaged = dir / "damaged", good = dir / "good", other = dir / "other";
  make_gallery(target, "m", 200, 1);
  make_gallery(damaged, "m", 3000, 2);
  make_gallery(good, "m", 100, 3);
  make_gallery(other, "another model", 100, 4);
  damage_row_page(damaged, 1500);
  const auto before = files_of(target);
  ASSERT_TRUE(before.count("catalog.sqlite") && before.count("vectors.faiss"));

  int status = 0;
  std::string out = lingbi::test::run_capture(lingbi::test::lingbi_program() + " gallery merge " + target.string() + " " +
                                                  damaged.string() + " 2>&1", status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find((damaged / "catalog.sqlite").string()), std::string::npos) << out;
  EXPECT_NE(out.find("malformed"), std::string::npos) << out;
  EXPECT_EQ(files_of(target), before) << "the failed merge changed the target";

  out = lingbi::test::run_capture(lingbi::test::lingbi_program() + " gallery merge " + target.string() + " " + good.string() + " " +
                                      other.string() + " 2>&1", status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("another model"), std::string::npos) << out;
  EXPECT_NE(out.find("nothing was merged"), std::string::npos) << out;
  EXPECT_EQ(files_of(target), before) << "the refused merge changed the target";

  out = lingbi::test::run_capture(lingbi::test::lingbi_program() + " gallery merge " + target.string() + " " + good.string() + " 2>&1",
                                  status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("300 images"), std::string::npos) << out;
}

}  // namespace

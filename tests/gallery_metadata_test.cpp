// What the catalog keeps besides vectors: sizes, appearance statistics (checked against values
// computed independently), captions and tags from sidecars and EXIF/XMP; and how folders are walked
// (symlink loops, hidden files).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "lingbi/gallery/gallery.h"
#include "lingbi/util/hash.h"
#include "lingbi/util/utf8.h"
#include "support/gallery_embedder.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using lingbi::Gallery;

class GalleryMetadata : public ::testing::Test {
 protected:
  void SetUp() override { embedder_ = lingbi::test::make_test_embedder(); }
  lingbi::IndexSummary index(const fs::path& root, bool hidden = false) {
    if (!gallery_) gallery_ = Gallery::open_for((dir_ / "g").string(), *embedder_);
    lingbi::IndexOptions o;
    o.roots = {root.string()};
    o.threads = 1;
    o.progress = false;
    o.hidden = hidden;
    return gallery_->index(*embedder_, o);
  }
  lingbi::ImageRecord record(const fs::path& p) {
    auto id = gallery_->find_hash(lingbi::xxh3_128_file_hex(p.string()));
    EXPECT_TRUE(id) << p;
    return id ? gallery_->image(*id).value() : lingbi::ImageRecord{};
  }
  lingbi::test::TempDir dir_;
  std::unique_ptr<lingbi::ImageEmbedder> embedder_;
  std::unique_ptr<Gallery> gallery_;
};

TEST_F(GalleryMetadata, AppearanceStatisticsMatchIndependentValues) {
  const fs::path photos = dir_ / "photos";
  fs::create_directories(photos);
  auto solid = [&](const char* name, std::vector<double> rgb) {
    vips::VImage::black(30, 20).new_from_image(rgb).cast(VIPS_FORMAT_UCHAR).pngsave((photos / name).c_str());
  };
  solid("red.png", {255, 0, 0});
  solid("grey.png", {128, 128, 128});
  solid("teal.png", {0, 128, 128});
  // Noise below the encoder's size is not resampled, so the file's pixels are what is measured.
  auto band = [](double mean, double sigma) {
    return vips::VImage::gaussnoise(24, 20, vips::VImage::option()->set("sigma", sigma)->set("mean", mean));
  };
  vips::VImage noise = vips::VImage::bandjoin({band(128, 60), band(90, 40), band(160, 50)}).cast(VIPS_FORMAT_UCHAR);
  noise.pngsave((photos / "noise.png").c_str());
  ASSERT_EQ(index(photos).added, 4);

  // Hasler and Suesstrunk on a flat colour: only the mean term, 0.3 * |(R-G, (R+G)/2-B)|.
  auto red = record(photos / "red.png");
  EXPECT_NEAR(red.appearance.luminance, 0.2126, 1e-4);
  EXPECT_NEAR(red.appearance.saturation, 1.0, 1e-6);
  EXPECT_NEAR(red.appearance.colourfulness, 0.3 * std::hypot(255.0, 127.5), 1e-3);
  EXPECT_EQ(red.width, 30);
  EXPECT_EQ(red.height, 20);
  auto grey = record(photos / "grey.png");
  EXPECT_NEAR(grey.appearance.luminance, 128 / 255.0, 1e-4);
  EXPECT_NEAR(grey.appearance.saturation, 0.0, 1e-6);
  EXPECT_NEAR(grey.appearance.colourfulness, 0.0, 1e-4);
  auto teal = record(photos / "teal.png");
  EXPECT_NEAR(teal.appearance.saturation, 1.0, 1e-6);
  EXPECT_NEAR(teal.appearance.colourfulness, 0.3 * std::hypot(128.0, 64.0 - 128.0), 1e-3);

  // Noise: reference statistics computed with libvips' own arithmetic on the decoded file.
  vips::VImage f = vips::VImage::new_from_file((photos / "noise.png").c_str()).cast(VIPS_FORMAT_DOUBLE);
  vips::VImage r = f.extract_band(0), g = f.extract_band(1), b = f.extract_band(2);
  const double luma = (r * 0.2126 + g * 0.7152 + b * 0.0722).avg() / 255.0;
  vips::VImage rg = r - g, yb = (r + g) * 0.5 - b;
  const double n = 24 * 20, pop = std::sqrt((n - 1) / n);  // vips deviate is the sample deviation
  const double sd_rg = rg.deviate() * pop, sd_yb = yb.deviate() * pop;
  const double colourfulness = std::hypot(sd_rg, sd_yb) + 0.3 * std::hypot(rg.avg(), yb.avg());
  vips::VImage maxv = (r > g).ifthenelse(r, g), minv = (r < g).ifthenelse(r, g);
  maxv = (maxv > b).ifthenelse(maxv, b);
  minv = (minv < b).ifthenelse(minv, b);
  const double saturation = ((maxv - minv) / maxv).avg();  // libvips gives 0 for x / 0
  auto rec = record(photos / "noise.png");
  EXPECT_NEAR(rec.appearance.luminance, luma, 1e-4);
  EXPECT_NEAR(rec.appearance.colourfulness, colourfulness, 1e-2);
  EXPECT_NEAR(rec.appearance.saturation, saturation, 1e-4);
}

TEST_F(GalleryMetadata, CaptionsAndTagsFromSidecarsExifAndXmp) {
  const fs::path photos = dir_ / "photos";
  fs::create_directories(photos);
  auto pic = [&](int i, const std::string& name) {
    vips::VImage img = lingbi::test::make_picture(i, 300, 200).copy();
    return std::make_pair(img, (photos / name).string());
  };
  {
    auto [img, path] = pic(1, "lighthouse.jpg");
    img.set("exif-ifd0-ImageDescription", "A lighthouse at dusk");
    img.jpegsave(path.c_str());
  }
  {
    auto [img, path] = pic(2, "harbour.jpg");
    img.set("exif-ifd0-ImageDescription", "embedded words");
    img.jpegsave(path.c_str());
    lingbi::test::write_bytes(photos / "harbour.txt", "  Boats in the harbour at noon\n");
  }
  {
    auto [img, path] = pic(3, "forest.png");
    img.pngsave(path.c_str());
    lingbi::test::write_bytes(photos / "forest.png.json", R"({"caption": "Pines in fog", "tags": ["forest", "fog"]})");
  }
  {
    auto [img, path] = pic(4, "tagged.jpg");
    const std::string xmp =
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:subject><rdf:Bag>"
        "<rdf:li>mountain</rdf:li><rdf:li>snow</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>";
    VipsImage* raw = img.get_image();
    vips_image_set_blob_copy(raw, "xmp-data", xmp.data(), xmp.size());
    img.jpegsave(path.c_str());
  }
  {
    auto [img, path] = pic(5, "rotated.jpg");  // stored 300 x 200, shown 200 x 300
    img.set("orientation", 6);
    img.jpegsave(path.c_str());
  }
  ASSERT_EQ(index(photos).added, 5);
  auto rotated = record(photos / "rotated.jpg");
  EXPECT_EQ(rotated.width, 200);
  EXPECT_EQ(rotated.height, 300);
  auto lighthouse = record(photos / "lighthouse.jpg");
  EXPECT_EQ(lighthouse.caption, "A lighthouse at dusk");
  EXPECT_EQ(lighthouse.width, 300);
  EXPECT_EQ(lighthouse.height, 200);
  EXPECT_EQ(record(photos / "harbour.jpg").caption, "Boats in the harbour at noon");
  auto forest = record(photos / "forest.png");
  EXPECT_EQ(forest.caption, "Pines in fog");
  EXPECT_EQ(forest.tags, (std::vector<std::string>{"forest", "fog"}));
  EXPECT_EQ(record(photos / "tagged.jpg").tags, (std::vector<std::string>{"mountain", "snow"}));

  // Search hits carry the caption too.
  lingbi::SearchOptions o;
  o.k = 1;
  auto hits = gallery_->search(Gallery::embed_image_file(*embedder_, (photos / "forest.png").string()), o);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].caption, "Pines in fog");
}

// Text that is not UTF-8 (a sidecar saved in GBK, Latin-1 keywords) is stored as valid UTF-8 and
// never stops the picture from indexing; a long caption is cut between characters; a picture
// whose name is GBK bytes finds its sidecar and keeps its exact path.
TEST_F(GalleryMetadata, SidecarTextIsCutBetweenCharactersAndStoredAsUtf8) {
  const fs::path photos = dir_ / "photos";
  fs::create_directories(photos);
  const std::string gbk = "\xba\xa3\xb1\xdf\xc8\xd5\xc2\xe4";  // 海边日落 in GBK
  auto save = [&](int i, const std::string& name) {
    lingbi::test::make_picture(i, 120, 80).pngsave((photos / name).c_str());
  };
  save(1, "long.png");
  std::string han;
  for (int i = 0; i < 1400; ++i) han += "海";  // 4,200 bytes: past the 4,000-byte limit
  lingbi::test::write_bytes(photos / "long.txt", han + "\n");
  save(2, "legacy.png");
  lingbi::test::write_bytes(photos / "legacy.txt", gbk + " at the beach");
  save(3, gbk + ".png");
  lingbi::test::write_bytes(photos / (gbk + ".txt"), "Sunset by the sea");
  {
    vips::VImage img = lingbi::test::make_picture(4, 120, 80).copy();
    const std::string xmp =
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:subject><rdf:Bag>"
        "<rdf:li>caf\xe9</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>";
    vips_image_set_blob_copy(img.get_image(), "xmp-data", xmp.data(), xmp.size());
    img.jpegsave((photos / "latin1.jpg").c_str());
  }
  const auto summary = index(photos);
  EXPECT_EQ(summary.added, 4);
  EXPECT_EQ(summary.failed, 0);

  const std::string caption = record(photos / "long.png").caption;
  EXPECT_EQ(caption.size(), 3999u);  // 1,333 characters of 3 bytes: the 1,334th would pass 4,000
  EXPECT_EQ(caption, han.substr(0, 3999));
  const std::string legacy = record(photos / "legacy.png").caption;
  EXPECT_TRUE(lingbi::is_valid_utf8(legacy)) << legacy;
  EXPECT_NE(legacy.find(" at the beach"), std::string::npos) << legacy;
  EXPECT_EQ(record(photos / "latin1.jpg").tags, (std::vector<std::string>{"caf\xEF\xBF\xBD"}));
  auto named = record(photos / (gbk + ".png"));
  EXPECT_EQ(named.caption, "Sunset by the sea");
  ASSERT_EQ(named.paths.size(), 1u);
  EXPECT_EQ(named.paths[0], fs::absolute(photos / (gbk + ".png")).lexically_normal().string());
}

TEST_F(GalleryMetadata, WalkFollowsSymlinksWithoutLoopingAndSkipsHidden) {
  const fs::path photos = dir_ / "photos";
  auto pics = lingbi::test::make_pictures(photos / "a", 0, 4, 32, 40);
  lingbi::test::make_pictures(photos / ".private", 10, 2, 32, 40);
  lingbi::test::make_pictures(photos / "b", 20, 1, 32, 40);
  fs::create_directory_symlink(photos, photos / "a" / "loop");      // back to an ancestor
  fs::create_directory_symlink(photos / "b", photos / "b-again");   // the same folder twice
  const auto s = index(photos);
  EXPECT_EQ(s.added, 5);
  EXPECT_EQ(s.duplicates, 1);  // b/pic20 seen again through b-again
  EXPECT_EQ(gallery_->info().paths, 6);
  // Overlapping roots visit each path once.
  lingbi::IndexOptions overlap;
  overlap.roots = {photos.string(), (photos / "b").string(), pics[0].string()};
  overlap.threads = 1;
  overlap.progress = false;
  const auto again = gallery_->index(*embedder_, overlap);
  EXPECT_EQ(again.unchanged, 6);
  EXPECT_EQ(again.added + again.duplicates + again.updated, 0);
  const auto with_hidden = index(photos, true);
  EXPECT_EQ(with_hidden.added, 2);
  EXPECT_EQ(with_hidden.unchanged, 6);
}

}  // namespace

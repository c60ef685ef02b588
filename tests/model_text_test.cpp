// Pure helpers of the model layer: stop strings, UTF-8 hold-back, SSE framing, prefix reuse, image bytes.
#include <gtest/gtest.h>

#include <vips/vips8>

#include "lingbi/util/error.h"
#include "lingbi/util/vips_init.h"
#include "model/image_bytes.h"
#include "model/kv_prefix.h"
#include "model/sse_reader.h"
#include "model/text_stream.h"

namespace lingbi::model_detail {
namespace {

TEST(TextStream, FindsTheEarliestStopString) {
  EXPECT_EQ(find_stop("hello END world STOP", {"STOP", "END"}), 6u);
  EXPECT_EQ(find_stop("hello", {"STOP", ""}), std::string::npos);
}

TEST(TextStream, HoldsBackPartialStopStringsAndIncompleteUtf8) {
  EXPECT_EQ(safe_prefix_length("hello ST", {"STOP"}), 6u);
  EXPECT_EQ(safe_prefix_length("hello S", {"STOP", "SX"}), 6u);
  EXPECT_EQ(safe_prefix_length("hello", {"STOP"}), 5u);
  const std::string e_acute = "caf\xC3\xA9";
  EXPECT_EQ(safe_prefix_length(e_acute, {}), 5u);
  EXPECT_EQ(safe_prefix_length(e_acute.substr(0, 4), {}), 3u);  // half of é
  EXPECT_EQ(safe_prefix_length("\xE6\x97", {}), 0u);            // 2 of 3 bytes of 日
  EXPECT_EQ(safe_prefix_length("a\xF0\x9F\x98\x80", {}), 5u);   // a whole emoji
}

TEST(SseReader, SplitsEventsAcrossArbitraryChunks) {
  std::vector<std::string> got;
  SseReader r([&](const std::string& d) { got.push_back(d); });
  const std::string stream =
      ": comment\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata:[DONE]\n\n";
  for (char c : stream) r.feed(std::string_view(&c, 1));
  r.finish();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "{\"a\":1}");
  EXPECT_EQ(got[1], "line1\nline2");
  EXPECT_EQ(got[2], "[DONE]");
}

TEST(KvPrefix, KeepsTheCommonPrefixButNeverAPartialImageOrTheWholePrompt) {
  const PositionKeys cached = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(reusable_prefix(cached, {1, 2, 3, 9, 9}, {}), 3u);
  EXPECT_EQ(reusable_prefix(cached, {1, 2, 3, 4, 5, 6}, {}), 5u);           // one position left for logits
  EXPECT_EQ(reusable_prefix(cached, {1, 2, 3, 4, 7, 7, 7}, {{2, 5}}), 2u);  // image at [2,5) differs inside
  EXPECT_EQ(reusable_prefix(cached, {1, 2, 3, 4, 5, 6, 7}, {{2, 5}}), 6u);  // image kept whole
  EXPECT_EQ(reusable_prefix({}, {1, 2}, {}), 0u);
}

TEST(ImageBytes, MimeTypes) {
  EXPECT_EQ(image_mime_type("\x89PNG\r\n"), "image/png");
  EXPECT_EQ(image_mime_type("\xFF\xD8\xFF\xE0"), "image/jpeg");
  EXPECT_EQ(image_mime_type("hello"), "application/octet-stream");
}

// Formats the backends cannot read (here WebP with an alpha channel) become PNG of the same size,
// flattened onto white; PNG passes untouched; bytes that are no picture are a clear error.
TEST(ImageBytes, OtherFormatsBecomePng) {
  lingbi::ensure_vips();
  vips::VImage rgba = vips::VImage::black(20, 10, vips::VImage::option()->set("bands", 4)).cast(VIPS_FORMAT_UCHAR);
  void* buf = nullptr;
  size_t size = 0;
  rgba.write_to_buffer(".webp", &buf, &size, vips::VImage::option()->set("lossless", true));
  std::string webp(static_cast<const char*>(buf), size);
  g_free(buf);
  const std::string png = image_bytes(ContentPart::of_image_bytes(webp));
  ASSERT_EQ(image_mime_type(png), "image/png");
  vips::VImage back = vips::VImage::new_from_buffer(png.data(), png.size(), "");
  EXPECT_EQ(back.width(), 20);
  EXPECT_EQ(back.height(), 10);
  EXPECT_EQ(back.bands(), 3);
  EXPECT_EQ(back.getpoint(3, 3), (std::vector<double>{255, 255, 255}));
  EXPECT_EQ(image_bytes(ContentPart::of_image_bytes(png)), png);
  try {
    image_bytes(ContentPart::of_image_bytes("RIFF....WEBPjunk that is not a picture"));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("could not be decoded as an image"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lingbi::model_detail

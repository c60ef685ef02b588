// Pure helpers of the model layer: stop strings, UTF-8 hold-back, SSE framing, prefix reuse, base64.
#include <gtest/gtest.h>

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

TEST(ImageBytes, Base64AndMimeTypes) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(image_mime_type("\x89PNG\r\n"), "image/png");
  EXPECT_EQ(image_mime_type("\xFF\xD8\xFF\xE0"), "image/jpeg");
  EXPECT_EQ(image_mime_type("hello"), "application/octet-stream");
}

}  // namespace
}  // namespace lingbi::model_detail

// Pure helpers of the model layer: stop strings, UTF-8 hold-back, SSE framing, prefix reuse, image bytes.
#include <gtest/gtest.h>

#include <vips/vips8>

#include "lingbi/util/error.h"
#include "lingbi/util/vips_init.h"
#include "model/image_bytes.h"
#include "model/kv_prefix.h"
#include "model/sampled_answers.h"
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

// A stand-in for llama.cpp's parser with DeepSeek-style reasoning: the answer is what follows
// "</think>", nothing while the reasoning is open. It counts its calls.
struct ThinkParser {
  int calls = 0;
  std::string operator()(const std::string& raw) {
    ++calls;
    if (raw.rfind("<think>", 0) != 0) return std::string("<think>").compare(0, raw.size(), raw) == 0 ? "" : raw;
    const size_t end = raw.find("</think>");
    return end == std::string::npos ? "" : raw.substr(end + 8);
  }
};

TEST(AnswerStream, PassesOnTheAnswerWithoutReasoningAndStopsParsingOnceSettled) {
  ThinkParser parser;
  std::string shown;
  AnswerStream stream({}, std::ref(parser), [&](std::string_view piece) { shown += piece; }, 8);
  for (const char* piece : {"<th", "ink>", "weighing", " options", "</think>", "The harbour", " wakes"})
    EXPECT_FALSE(stream.add(piece));
  EXPECT_EQ(shown, "The harbour wakes");
  EXPECT_TRUE(stream.settled());
  const int calls = parser.calls;
  std::string expected = "The harbour wakes";
  for (int i = 0; i < 1000; ++i) {
    const std::string piece = " \xE6\x97\xA5" + std::to_string(i);  // 日 and a number
    // Split inside the UTF-8 sequence: the half character is held back until it is whole.
    stream.add(piece.substr(0, 2));
    EXPECT_EQ(shown, expected + " ") << i;
    stream.add(piece.substr(2));
    expected += piece;
    ASSERT_EQ(shown, expected) << i;
  }
  EXPECT_EQ(parser.calls, calls) << "parsed again after the answer settled";
  stream.finish(parser(stream.raw()));
  EXPECT_EQ(shown, expected);
}

TEST(AnswerStream, CutsAtAStopStringAcrossPiecesAndNeverShowsIt) {
  ThinkParser parser;
  std::string shown;
  AnswerStream stream({"<|im_end|>", "STOP"}, std::ref(parser), [&](std::string_view piece) { shown += piece; }, 4);
  for (const char* piece : {"Quiet streets ", "at dawn. S", "TO"}) EXPECT_FALSE(stream.add(piece));
  EXPECT_EQ(shown, "Quiet streets at dawn. ") << "a possible stop string is held back";
  EXPECT_TRUE(stream.add("P and more"));
  EXPECT_EQ(stream.raw(), "Quiet streets at dawn. ");
  EXPECT_EQ(shown, "Quiet streets at dawn. ");
  // Without a listener nothing is parsed; stops still cut.
  AnswerStream quiet({"<|im_end|>"}, std::ref(parser), nullptr);
  const int calls = parser.calls;
  EXPECT_FALSE(quiet.add("text <|im_"));
  EXPECT_TRUE(quiet.add("end|> rest"));
  EXPECT_EQ(quiet.raw(), "text ");
  EXPECT_EQ(parser.calls, calls);
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

TEST(SampledAnswers, QuotedAnswersGetTheirSampledTokensBack) {
  using lingbi::model_detail::SampledAnswers;
  SampledAnswers answers(2);
  answers.remember({7, 8}, {7, 80, 81});   // the text of "7 80 81" tokenizes again as "7 8"
  answers.remember({5}, {5});              // the same both ways: nothing to remember
  std::vector<int32_t> prompt = {1, 7, 8, 2, 7, 8, 3};
  EXPECT_EQ(answers.restore(prompt), 2u);
  EXPECT_EQ(prompt, (std::vector<int32_t>{1, 7, 80, 81, 2, 7, 80, 81, 3}));
  std::vector<int32_t> other = {1, 7, 9};
  EXPECT_EQ(answers.restore(other), 0u);
  EXPECT_EQ(other, (std::vector<int32_t>{1, 7, 9}));
  answers.remember({4, 4}, {44});
  answers.remember({6, 6}, {66});  // keeps two: the first answer is forgotten
  std::vector<int32_t> again = {7, 8, 4, 4, 6, 6};
  EXPECT_EQ(answers.restore(again), 2u);
  EXPECT_EQ(again, (std::vector<int32_t>{7, 8, 44, 66}));
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

// Chinese-CLIP on ggml against independent double-precision forward passes on the same tiny weights:
// the image tower with ReferenceClip (it is CLIP's ViT), the BERT text tower with ReferenceBertText.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "chinese_clip_reference.h"
#include "clip_reference.h"
#include "lingbi/clip/clip.h"
#include "lingbi/clip/clip_convert.h"
#include "lingbi/clip/wordpiece_tokenizer.h"
#include "lingbi/util/error.h"
#include "support/temp_dir.h"
#include "tiny_chinese_clip.h"

namespace lingbi {
namespace {

using test::ReferenceBertText;
using test::ReferenceClip;

const test::TempDir& fixture() {
  static const std::unique_ptr<test::TempDir> dir = [] {
    auto d = std::make_unique<test::TempDir>();
    dev::write_tiny_chinese_clip(d->path(), 21);
    return d;
  }();
  return *dir;
}
std::filesystem::path hf() { return fixture() / "chinese-clip-hf"; }

std::vector<ClipImage> random_images(int size, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<ClipImage> out(n);
  for (auto& im : out) {
    im.size = size;
    im.pixels.resize(size_t(3) * size * size);
    for (float& v : im.pixels) v = dist(rng);
  }
  return out;
}

std::vector<std::string> sample_texts() {
  std::string long_text;
  for (int i = 0; i < 30; ++i) long_text += "海边的日落，";  // 180 characters: past the 64 positions
  // Different lengths in one batch: padding must not reach the [CLS] state.
  return {"海边的日落", "a photo of the cat", "猫在sunset海边，hello world", "Café 🙂 42", "", long_text, "狗"};
}

std::string convert(ClipWeightType type, const char* name) {
  const auto out = fixture() / name;
  if (!std::filesystem::exists(out)) convert_clip_hf(hf().string(), out.string(), type);
  return out.string();
}

void expect_matches_reference(const std::string& gguf, double min_cos) {
  ClipOptions options;
  options.n_threads = 2;
  options.batch_size = 4;  // texts of several lengths in each batch
  auto model = ClipModel::load(gguf, options);
  ASSERT_EQ(model->family(), ClipFamily::chinese_clip);
  EXPECT_TRUE(model->multilingual());
  EXPECT_EQ(model->dim(), 32);
  ReferenceClip image_ref(hf());
  ReferenceBertText text_ref(hf());

  const auto images = random_images(model->preprocess().image_size, 3, 17);
  const auto got = model->embed_images(images);
  ASSERT_EQ(got.size(), images.size());
  double worst_image = 1, worst_text = 1;
  for (size_t i = 0; i < images.size(); ++i) {
    const double c = ReferenceClip::cosine(image_ref.embed_image(images[i].pixels), got[i]);
    worst_image = std::min(worst_image, c);
    EXPECT_GE(c, min_cos) << "image " << i;
  }

  const auto texts = sample_texts();
  const WordPieceTokenizer tok(dev::tiny_chinese_clip_vocab(), true, true);
  const auto got_t = model->embed_texts(texts);
  ASSERT_EQ(got_t.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto ids = tok.encode(texts[i], 64);
    const double c = ReferenceClip::cosine(text_ref.embed(ids), got_t[i]);
    worst_text = std::min(worst_text, c);
    EXPECT_GE(c, min_cos) << "text " << i << ": " << texts[i];
  }
  std::printf("%s: lowest cosine to the reference: image %.7f, text %.7f\n", gguf.c_str(), worst_image, worst_text);
  EXPECT_LT(ReferenceClip::cosine(test::Vec(got[0].begin(), got[0].end()), got[1]), 0.999);
  EXPECT_LT(ReferenceClip::cosine(test::Vec(got_t[0].begin(), got_t[0].end()), got_t[1]), 0.999);
}

TEST(ChineseClip, F32MatchesReference) { expect_matches_reference(convert(ClipWeightType::F32, "f32.gguf"), 0.9999); }
TEST(ChineseClip, F16MatchesReference) { expect_matches_reference(convert(ClipWeightType::F16, "f16.gguf"), 0.999); }
TEST(ChineseClip, Bf16MatchesReference) { expect_matches_reference(convert(ClipWeightType::BF16, "bf16.gguf"), 0.995); }
TEST(ChineseClip, Q8_0MatchesReference) { expect_matches_reference(convert(ClipWeightType::Q8_0, "q8_0.gguf"), 0.995); }

TEST(ChineseClip, BatchingDoesNotChangeTexts) {
  const std::string path = convert(ClipWeightType::F32, "f32.gguf");
  ClipOptions one;
  one.batch_size = 1;
  one.n_threads = 1;
  auto a = ClipModel::load(path, one);
  auto b = ClipModel::load(path);
  const auto texts = sample_texts();
  const auto ta = a->embed_texts(texts), tb = b->embed_texts(texts);
  for (size_t i = 0; i < ta.size(); ++i)
    for (size_t k = 0; k < ta[i].size(); ++k) EXPECT_NEAR(ta[i][k], tb[i][k], 1e-4) << texts[i];
}

TEST(ChineseClip, FileRecordsFamilyAndPreprocessing) {
  auto model = ClipModel::load(convert(ClipWeightType::F16, "f16.gguf"));
  EXPECT_STREQ(clip_family_name(model->family()), "chinese_clip");
  EXPECT_EQ(model->name(), "lingbi-tiny-chinese-clip");
  // ChineseCLIPImageProcessor's size is a height and a width: the picture is resized to the square.
  EXPECT_TRUE(model->preprocess().stretch);
  EXPECT_EQ(model->preprocess().image_size, 32);
  EXPECT_EQ(parse_clip_family("clip"), ClipFamily::clip);
  EXPECT_THROW(parse_clip_family("bert"), Error);
}

}  // namespace
}  // namespace lingbi

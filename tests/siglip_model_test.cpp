// SigLIP and SigLIP 2 (fixed resolution) on ggml against an independent double-precision forward pass
// on the same tiny weights (tests/siglip_reference.h); the converter's keys; the tokenizer against
// libsentencepiece's own encoder on texts normalised by hand.
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "lingbi/clip/clip.h"
#include "lingbi/clip/clip_convert.h"
#include "lingbi/clip/sentencepiece_tokenizer.h"
#include "lingbi/util/error.h"
#include "siglip_reference.h"
#include "support/temp_dir.h"
#include "tiny_siglip.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;
using test::ReferenceSiglip;

const test::TempDir& fixture() {
  static const std::unique_ptr<test::TempDir> dir = [] {
    auto d = std::make_unique<test::TempDir>();
    dev::write_tiny_siglip_hf(d->path() / "v1", 31);
    dev::TinySiglipOptions o2;
    o2.siglip2 = true;
    dev::write_tiny_siglip_hf(d->path() / "v2", 32, o2);
    return d;
  }();
  return *dir;
}

std::string convert(const char* variant, ClipWeightType type, const char* name) {
  const auto out = fixture() / (std::string(variant) + "-" + name);
  if (!fs::exists(out)) convert_clip_hf((fixture() / variant).string(), out.string(), type);
  return out.string();
}

double cosine(const std::vector<double>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += double(b[i]) * b[i];
  }
  return dot / std::sqrt(na * nb);
}

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

SentencePieceOptions options_of(const char* variant) {
  SentencePieceOptions o;
  if (std::string(variant) == "v2") {
    o.remove_punctuation = false;
    o.add_bos = true;
    o.bos_token = "<bos>";
    o.eos_token = "<eos>";
    o.pad_token = "<pad>";
  } else {
    o.remove_punctuation = true;
  }
  return o;
}

std::string spm_bytes(const char* variant) {
  std::ifstream in(fixture() / variant / (std::string(variant) == "v2" ? "tokenizer.model" : "spiece.model"), std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void expect_matches_reference(const char* variant, ClipWeightType type, const char* name, double min_cos) {
  ClipOptions options;
  options.n_threads = 2;
  options.batch_size = 3;
  auto model = ClipModel::load(convert(variant, type, name), options);
  ASSERT_EQ(model->family(), ClipFamily::siglip);
  ReferenceSiglip ref(fixture() / variant);
  const auto images = random_images(model->preprocess().image_size, 3, 5);
  const auto got = model->embed_images(images);
  double worst_image = 1, worst_text = 1;
  for (size_t i = 0; i < images.size(); ++i) {
    const double c = cosine(ref.embed_image(images[i].pixels), got[i]);
    worst_image = std::min(worst_image, c);
    EXPECT_GE(c, min_cos) << "image " << i;
  }
  std::string long_text;
  for (int i = 0; i < 20; ++i) long_text += "a photo of the sea ";
  const std::vector<std::string> texts = {"海边的日落", "A photo of a cat!", "海边 Sunset 的照片", "cat 🙂", "", long_text};
  const SentencePieceTokenizer tok(spm_bytes(variant), options_of(variant));
  const auto got_t = model->embed_texts(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    const double c = cosine(ref.embed_text(tok.encode(texts[i], ref.positions()), tok.pad_id()), got_t[i]);
    worst_text = std::min(worst_text, c);
    EXPECT_GE(c, min_cos) << "text " << i << ": " << texts[i];
  }
  std::printf("%s %s: lowest cosine to the reference: image %.7f, text %.7f\n", variant, name, worst_image, worst_text);
  EXPECT_LT(cosine(std::vector<double>(got[0].begin(), got[0].end()), got[1]), 0.999);
  EXPECT_LT(cosine(std::vector<double>(got_t[0].begin(), got_t[0].end()), got_t[1]), 0.999);
}

TEST(Siglip, F32MatchesReference) { expect_matches_reference("v1", ClipWeightType::F32, "f32.gguf", 0.9999); }
TEST(Siglip, F16MatchesReference) { expect_matches_reference("v1", ClipWeightType::F16, "f16.gguf", 0.999); }
TEST(Siglip, Bf16MatchesReference) { expect_matches_reference("v1", ClipWeightType::BF16, "bf16.gguf", 0.995); }
TEST(Siglip, Q8_0MatchesReference) { expect_matches_reference("v1", ClipWeightType::Q8_0, "q8_0.gguf", 0.995); }
TEST(Siglip2, F32MatchesReference) { expect_matches_reference("v2", ClipWeightType::F32, "f32.gguf", 0.9999); }
TEST(Siglip2, F16MatchesReference) { expect_matches_reference("v2", ClipWeightType::F16, "f16.gguf", 0.999); }
TEST(Siglip2, Q8_0MatchesReference) { expect_matches_reference("v2", ClipWeightType::Q8_0, "q8_0.gguf", 0.995); }

TEST(Siglip, FileRecordsFamilyLanguagesAndPreprocessing) {
  auto v1 = ClipModel::load(convert("v1", ClipWeightType::F16, "f16.gguf"));
  EXPECT_STREQ(clip_family_name(v1->family()), "siglip");
  EXPECT_FALSE(v1->multilingual());  // a 32k-style English vocabulary
  EXPECT_TRUE(v1->preprocess().stretch);
  EXPECT_FLOAT_EQ(v1->preprocess().mean[0], 0.5f);
  EXPECT_EQ(v1->dim(), 96);  // the vision tower's width: no projection
  auto v2 = ClipModel::load(convert("v2", ClipWeightType::F16, "f16.gguf"));
  EXPECT_TRUE(v2->multilingual());  // Gemma's vocabulary: SigLIP 2
}

// Ids against libsentencepiece's own encoder on the text normalised by hand, then framed.
class SiglipTokenizer : public ::testing::Test {
 protected:
  std::vector<int32_t> library(const char* variant, const std::string& normalised, bool bos) {
    sentencepiece::SentencePieceProcessor sp;
    EXPECT_TRUE(sp.LoadFromSerializedProto(spm_bytes(variant)).ok());
    std::vector<int> ids;
    EXPECT_TRUE(sp.Encode(normalised, &ids).ok());
    std::vector<int32_t> out;
    if (bos) out.push_back(sp.PieceToId("<bos>"));
    out.insert(out.end(), ids.begin(), ids.end());
    out.push_back(sp.PieceToId(std::string(variant) == "v2" ? "<eos>" : "</s>"));
    return out;
  }
};

TEST_F(SiglipTokenizer, SiglipLowerCasesDropsAsciiPunctuationAndEndsWithEos) {
  const SentencePieceTokenizer t(spm_bytes("v1"), options_of("v1"));
  EXPECT_EQ(t.encode("海边的日落"), library("v1", "海边的日落", false));
  EXPECT_EQ(t.encode("  A Photo,  of a CAT!! "), library("v1", "a photo of a cat", false));
  EXPECT_EQ(t.encode("海边 Sunset 的照片。"), library("v1", "海边 sunset 的照片。", false));  // 。 is not ASCII
  EXPECT_EQ(t.encode("cat 🙂"), library("v1", "cat 🙂", false));
  EXPECT_EQ(t.encode(""), library("v1", "", false));
  EXPECT_EQ(t.encode("").size(), 1u);  // the EOS alone
  EXPECT_EQ(t.pad_id(), t.eos_id());    // SiglipTokenizer pads with </s>
  // Cut to the context with the EOS last.
  const auto cut = t.encode("a photo of a cat and a photo of a dog", 4);
  ASSERT_EQ(cut.size(), 4u);
  EXPECT_EQ(cut.back(), t.eos_id());
  const auto full = t.encode("a photo of a cat and a photo of a dog");
  EXPECT_TRUE(std::equal(cut.begin(), cut.end() - 1, full.begin()));
}

TEST_F(SiglipTokenizer, Siglip2KeepsPunctuationAndFramesWithBosAndEos) {
  const SentencePieceTokenizer t(spm_bytes("v2"), options_of("v2"));
  EXPECT_EQ(t.encode("Hello, World!"), library("v2", "hello, world!", true));
  EXPECT_EQ(t.encode("一只 Cat 和一只 dog"), library("v2", "一只 cat 和一只 dog", true));
  EXPECT_EQ(t.encode(""), library("v2", "", true));
  EXPECT_NE(t.pad_id(), t.eos_id());
}

TEST_F(SiglipTokenizer, MissingFramingTokenIsAnError) {
  SentencePieceOptions o = options_of("v1");
  o.eos_token = "<no-such-token>";
  EXPECT_THROW(SentencePieceTokenizer(spm_bytes("v1"), o), Error);
  EXPECT_THROW(SentencePieceTokenizer("not a model", options_of("v1")), Error);
}

}  // namespace
}  // namespace lingbi

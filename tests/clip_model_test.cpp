// ClipModel against an independent double-precision forward pass on the same tiny weights.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "clip_fixture.h"
#include "clip_reference.h"
#include "ggml.h"
#include "gguf.h"
#include "lingbi/clip/clip.h"
#include "lingbi/clip/clip_tokenizer.h"
#include "lingbi/util/error.h"

namespace lingbi {
namespace {

using test::ReferenceClip;

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
  for (int i = 0; i < 60; ++i) long_text += "the cat and the dog, ";  // far more than 77 tokens
  return {"a photo of a cat", "Hello   World!", "the dog's ball", "Café 🙂 42", "", long_text};
}

// Tokens as the model's own tokenizer sees them, for the reference.
ClipTokenizer tokenizer_from_gguf_folder() {
  std::ifstream vf(test::tiny_clip_hf() / "vocab.json");
  const auto vocab = nlohmann::json::parse(vf);
  std::vector<std::string> tokens(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) tokens[it.value().get<size_t>()] = it.key();
  std::vector<std::string> merges;
  std::ifstream mf(test::tiny_clip_hf() / "merges.txt");
  std::string line;
  while (std::getline(mf, line))
    if (!line.empty() && line[0] != '#') merges.push_back(line);
  return ClipTokenizer(tokens, merges);
}

void expect_matches_reference(const std::string& gguf, double min_cos, const std::filesystem::path& hf,
                              ClipOptions options = {}) {
  options.n_threads = 2;
  auto model = ClipModel::load(gguf, options);
  ReferenceClip ref(hf);
  ASSERT_TRUE(model->has_vision());
  ASSERT_TRUE(model->has_text());
  EXPECT_EQ(model->dim(), 32);

  const auto images = random_images(model->preprocess().image_size, 4, 11);
  const auto got = model->embed_images(images);
  ASSERT_EQ(got.size(), images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    ASSERT_EQ(got[i].size(), 32u);
    EXPECT_GE(ReferenceClip::cosine(ref.embed_image(images[i].pixels), got[i]), min_cos) << "image " << i;
  }
  const auto texts = sample_texts();
  const auto tok = tokenizer_from_gguf_folder();
  const auto got_t = model->embed_texts(texts);
  ASSERT_EQ(got_t.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto ids = tok.encode(texts[i], 77);
    EXPECT_GE(ReferenceClip::cosine(ref.embed_text(ids), got_t[i]), min_cos) << "text " << i << ": " << texts[i];
  }
  // Distinct inputs give distinct embeddings (the test would pass vacuously on a constant output).
  EXPECT_LT(ReferenceClip::cosine(test::Vec(got[0].begin(), got[0].end()), got[1]), 0.999);
  EXPECT_LT(ReferenceClip::cosine(test::Vec(got_t[0].begin(), got_t[0].end()), got_t[1]), 0.999);
}

TEST(ClipModel, F32MatchesReference) {
  expect_matches_reference(test::tiny_clip_gguf().string(), 0.9999, test::tiny_clip_hf());
}

TEST(ClipModel, F16MatchesReference) {
  const auto out = test::clip_fixture_dir() / "clip-f16.gguf";
  convert_clip_hf(test::tiny_clip_hf().string(), out.string(), ClipWeightType::F16);
  expect_matches_reference(out.string(), 0.999, test::tiny_clip_hf());
}

// The storage type of tensor `name` in the GGUF at `path`.
ggml_type stored_type(const std::string& path, const char* name) {
  std::unique_ptr<gguf_context, decltype(&gguf_free)> g(gguf_init_from_file(path.c_str(), {true, nullptr}), gguf_free);
  if (!g) throw Error("cannot read " + path);
  const int64_t id = gguf_find_tensor(g.get(), name);
  if (id < 0) throw Error(path + " has no tensor " + name);
  return gguf_get_tensor_type(g.get(), id);
}

TEST(ClipModel, Bf16MatchesReference) {
  const auto out = test::clip_fixture_dir() / "clip-bf16.gguf";
  convert_clip_hf(test::tiny_clip_hf().string(), out.string(), ClipWeightType::BF16);
  EXPECT_EQ(stored_type(out.string(), "v.blk.0.attn_q.weight"), GGML_TYPE_BF16);
  EXPECT_EQ(stored_type(out.string(), "t.blk.0.ffn_down.weight"), GGML_TYPE_BF16);
  EXPECT_EQ(stored_type(out.string(), "t.token_embd.weight"), GGML_TYPE_F16);
  expect_matches_reference(out.string(), 0.995, test::tiny_clip_hf());
}

TEST(ClipModel, Q8_0MatchesReference) {
  const auto out = test::clip_fixture_dir() / "clip-q8_0.gguf";
  convert_clip_hf(test::tiny_clip_hf().string(), out.string(), ClipWeightType::Q8_0);
  expect_matches_reference(out.string(), 0.995, test::tiny_clip_hf());
}

TEST(ClipModel, GeluVariantMatchesReference) {
  test::TempDir dir;
  dev::TinyClipOptions o;
  o.use_gelu = true;
  dev::write_tiny_clip_hf(dir / "hf", 3, o);
  convert_clip_hf((dir / "hf").string(), (dir / "gelu.gguf").string(), ClipWeightType::F32);
  expect_matches_reference((dir / "gelu.gguf").string(), 0.9999, dir / "hf");
}

TEST(ClipModel, PatchFourteenGeometryMatchesReference) {
  // L/14-like geometry: patch 14 (a 588-wide patch kernel row, not a multiple of 32), 6 heads.
  test::TempDir dir;
  dev::TinyClipOptions o;
  o.image_size = 28;
  o.patch_size = 14;
  o.vision_heads = 6;
  dev::write_tiny_clip_hf(dir / "hf", 5, o);
  convert_clip_hf((dir / "hf").string(), (dir / "f32.gguf").string(), ClipWeightType::F32);
  convert_clip_hf((dir / "hf").string(), (dir / "q8.gguf").string(), ClipWeightType::Q8_0);
  ReferenceClip ref(dir / "hf");
  for (const char* name : {"f32.gguf", "q8.gguf"}) {
    auto model = ClipModel::load((dir / name).string());
    ASSERT_EQ(model->preprocess().image_size, 28);
    const auto images = random_images(28, 3, 9);
    const auto got = model->embed_images(images);
    for (size_t i = 0; i < images.size(); ++i)
      EXPECT_GE(ReferenceClip::cosine(ref.embed_image(images[i].pixels), got[i]), std::string(name) == "f32.gguf" ? 0.9999 : 0.995)
          << name << " image " << i;
  }
}

// lingbi's own CPU kernels (src/clip/cpu_kernels.h) and ggml's operators, both against the
// reference, at a geometry that reaches every edge of the kernels: 145 tokens (3 key blocks of 64,
// the last partly filled), heads of 24 values (a partial slice), 96 and 192 outputs (a group
// of 4 panels and one of 2), 20 images in one batch (more rows per thread than one chunk), rows not
// a multiple of 6.
TEST(ClipModel, CpuKernelsMatchReference) {
  test::TempDir dir;
  dev::TinyClipOptions o;
  o.image_size = 96;
  o.patch_size = 8;
  o.text = false;
  dev::write_tiny_clip_hf(dir / "hf", 7, o);
  convert_clip_hf((dir / "hf").string(), (dir / "f32.gguf").string(), ClipWeightType::F32);
  convert_clip_hf((dir / "hf").string(), (dir / "bf16.gguf").string(), ClipWeightType::BF16);
  ReferenceClip ref(dir / "hf");
  const auto images = random_images(96, 20, 13);
  std::vector<test::Vec> want;
  for (const auto& im : images) want.push_back(ref.embed_image(im.pixels));
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f"), bf16 = avx512 && __builtin_cpu_supports("avx512bf16");
  for (const char* name : {"f32.gguf", "bf16.gguf"})
    for (bool kernels : {true, false}) {
      ClipOptions options;
      options.n_threads = 2;
      options.batch_size = 20;
      options.cpu_kernels = kernels;
      auto model = ClipModel::load((dir / name).string(), options);
      const bool is_bf16 = std::string(name) == "bf16.gguf";
      // Both layers' q, k, v, output and two MLP matrices are packed when the CPU multiplies bf16.
      const std::string expected = !kernels || !avx512 ? "none"
                                   : is_bf16 && bf16   ? "bf16 linears (12 matrices), attention"
                                                       : "attention";
      EXPECT_EQ(model->cpu_kernels(), expected) << name;
      const auto got = model->embed_images(images);
      ASSERT_EQ(got.size(), images.size());
      for (size_t i = 0; i < images.size(); ++i)
        EXPECT_GE(ReferenceClip::cosine(want[i], got[i]), is_bf16 ? 0.995 : 0.9999)
            << name << (kernels ? " kernels" : " ggml") << ", image " << i;
      EXPECT_LT(ReferenceClip::cosine(test::Vec(got[0].begin(), got[0].end()), got[1]), 0.999);
    }
}

TEST(ClipModel, BatchSizeAndThreadsDoNotChangeResults) {
  ClipOptions one;
  one.batch_size = 1;
  one.n_threads = 1;
  ClipOptions many;
  many.batch_size = 3;
  many.n_threads = 2;
  auto a = ClipModel::load(test::tiny_clip_gguf().string(), one);
  auto b = ClipModel::load(test::tiny_clip_gguf().string(), many);
  const auto images = random_images(32, 5, 5);
  const auto ea = a->embed_images(images), eb = b->embed_images(images);
  const auto texts = sample_texts();
  const auto ta = a->embed_texts(texts), tb = b->embed_texts(texts);
  for (size_t i = 0; i < ea.size(); ++i)
    for (size_t k = 0; k < ea[i].size(); ++k) EXPECT_NEAR(ea[i][k], eb[i][k], 1e-4);
  for (size_t i = 0; i < ta.size(); ++i)
    for (size_t k = 0; k < ta[i].size(); ++k) EXPECT_NEAR(ta[i][k], tb[i][k], 1e-4);
  EXPECT_TRUE(a->embed_images({}).empty());
  EXPECT_TRUE(a->embed_texts({}).empty());
}

TEST(ClipModel, ReadsMetadata) {
  auto model = ClipModel::load(test::tiny_clip_gguf().string());
  EXPECT_EQ(model->name(), "lingbi-tiny-clip");
  const ClipPreprocess p = model->preprocess();
  EXPECT_EQ(p.image_size, 32);
  EXPECT_FLOAT_EQ(p.mean[0], 0.48145466f);
  EXPECT_FLOAT_EQ(p.std[2], 0.27577711f);
}

TEST(ClipModel, OneTowerFilesLoadForThatTower) {
  test::TempDir dir;
  dev::TinyClipOptions text_only;
  text_only.vision = false;
  dev::write_tiny_clip_hf(dir / "t", 7, text_only);
  convert_clip_hf((dir / "t").string(), (dir / "t.gguf").string(), ClipWeightType::F16);
  dev::TinyClipOptions vision_only;
  vision_only.text = false;
  dev::write_tiny_clip_hf(dir / "v", 7, vision_only);
  convert_clip_hf((dir / "v").string(), (dir / "v.gguf").string(), ClipWeightType::F16);

  auto t = ClipModel::load((dir / "t.gguf").string());
  EXPECT_TRUE(t->has_text());
  EXPECT_FALSE(t->has_vision());
  EXPECT_EQ(t->embed_texts({"a cat"}).at(0).size(), 32u);
  try {
    t->embed_images(random_images(32, 1, 1));
    FAIL() << "a text-only model embedded an image";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no vision tower"), std::string::npos) << e.what();
  }
  auto v = ClipModel::load((dir / "v.gguf").string());
  EXPECT_TRUE(v->has_vision());
  EXPECT_FALSE(v->has_text());
  EXPECT_EQ(v->embed_images(random_images(32, 2, 1)).size(), 2u);
  EXPECT_THROW(v->embed_texts({"a cat"}), Error);
  // The same weights give the same text embedding as the two-tower file.
  auto both = ClipModel::load(test::tiny_clip_gguf().string());
  const std::vector<float> from_both = both->embed_texts({"a cat"})[0];
  EXPECT_GE(ReferenceClip::cosine(test::Vec(from_both.begin(), from_both.end()), t->embed_texts({"a cat"})[0]), 0.999);
}

TEST(ClipModel, RejectsImagesOfTheWrongSize) {
  auto model = ClipModel::load(test::tiny_clip_gguf().string());
  EXPECT_THROW(model->embed_images(random_images(16, 1, 1)), Error);
}

}  // namespace
}  // namespace lingbi

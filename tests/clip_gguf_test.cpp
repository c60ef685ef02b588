// CLIP GGUF files: clip.cpp's own variant loads; wrong or damaged files give clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "clip_fixture.h"
#include "clip_reference.h"
#include "ggml.h"
#include "gguf.h"
#include "lingbi/clip/clip.h"
#include "lingbi/util/error.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

struct GgufFree { void operator()(gguf_context* c) const { gguf_free(c); } };
struct GgmlFree { void operator()(ggml_context* c) const { ggml_free(c); } };

// Copies src to dst; edit may drop a tensor (return nullptr) or replace it (a tensor from `scratch`);
// keys listed in drop_keys are removed.
void rewrite(const fs::path& src, const fs::path& dst,
             const std::function<ggml_tensor*(ggml_tensor*, ggml_context* scratch)>& edit,
             const std::vector<std::string>& drop_keys = {}) {
  ggml_context* data = nullptr;
  std::unique_ptr<gguf_context, GgufFree> in(gguf_init_from_file(src.c_str(), {false, &data}));
  ASSERT_TRUE(in);
  std::unique_ptr<ggml_context, GgmlFree> data_owner(data);
  std::unique_ptr<ggml_context, GgmlFree> scratch(ggml_init({64u << 20, nullptr, false}));
  std::unique_ptr<gguf_context, GgufFree> out(gguf_init_empty());
  gguf_set_kv(out.get(), in.get());
  for (const auto& k : drop_keys) gguf_remove_key(out.get(), k.c_str());
  for (int64_t i = 0; i < gguf_get_n_tensors(in.get()); ++i) {
    ggml_tensor* t = ggml_get_tensor(data, gguf_get_tensor_name(in.get(), i));
    ggml_tensor* e = edit(t, scratch.get());
    if (e) gguf_add_tensor(out.get(), e);
  }
  ASSERT_TRUE(gguf_write_to_file(out.get(), dst.c_str(), false));
}

void expect_load_error(const fs::path& path, const std::string& fragment) {
  try {
    ClipModel::load(path.string());
    FAIL() << "loading " << path << " did not fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ClipGguf, ClipCppVariantLoads) {
  // As clip.cpp's converter writes f32 files: the patch embedding in f16 and no merges (ranks then
  // come from token ids, which give the same tokens on this vocabulary).
  test::TempDir dir;
  rewrite(test::tiny_clip_gguf(), dir / "clipcpp.gguf", [](ggml_tensor* t, ggml_context* s) {
    if (std::string(t->name) != "v.patch_embd.weight") return t;
    ggml_tensor* h = ggml_new_tensor(s, GGML_TYPE_F16, 4, t->ne);
    ggml_set_name(h, t->name);
    ggml_fp32_to_fp16_row(static_cast<const float*>(t->data), static_cast<ggml_fp16_t*>(h->data), ggml_nelements(t));
    return h;
  }, {"tokenizer.ggml.merges"});
  ClipOptions o;
  o.n_threads = 2;
  auto a = ClipModel::load(test::tiny_clip_gguf().string(), o);
  auto b = ClipModel::load((dir / "clipcpp.gguf").string(), o);
  std::mt19937 rng(3);
  std::normal_distribution<float> dist;
  ClipImage im{32, std::vector<float>(3 * 32 * 32)};
  for (float& v : im.pixels) v = dist(rng);
  const auto ea = a->embed_images({im})[0], eb = b->embed_images({im})[0];
  EXPECT_GE(test::ReferenceClip::cosine(test::Vec(ea.begin(), ea.end()), eb), 0.999);
  const std::vector<std::string> texts = {"the cat's photo", "Hello, world!"};
  const auto ta = a->embed_texts(texts), tb = b->embed_texts(texts);
  for (size_t i = 0; i < texts.size(); ++i)
    EXPECT_GE(test::ReferenceClip::cosine(test::Vec(ta[i].begin(), ta[i].end()), tb[i]), 0.99999) << texts[i];
}

TEST(ClipGguf, MissingFile) { expect_load_error("/nonexistent/clip.gguf", "does not exist"); }

TEST(ClipGguf, NotAGguf) {
  test::TempDir dir;
  std::ofstream(dir / "x.gguf") << "hello, this is text";
  expect_load_error(dir / "x.gguf", "is not a GGUF file");
}

TEST(ClipGguf, OtherArchitecture) {
  test::TempDir dir;
  std::unique_ptr<gguf_context, GgufFree> g(gguf_init_empty());
  gguf_set_val_str(g.get(), "general.architecture", "qwen2");
  gguf_set_val_u32(g.get(), "qwen2.block_count", 2);
  std::unique_ptr<ggml_context, GgmlFree> ctx(ggml_init({1u << 20, nullptr, false}));
  ggml_tensor* t = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, 8, 4);
  ggml_set_name(t, "token_embd.weight");
  std::fill_n(static_cast<float*>(t->data), 32, 0.5f);
  gguf_add_tensor(g.get(), t);
  ASSERT_TRUE(gguf_write_to_file(g.get(), (dir / "llm.gguf").c_str(), false));
  expect_load_error(dir / "llm.gguf", "architecture \"qwen2\", not \"clip\"");
}

TEST(ClipGguf, MissingTensor) {
  test::TempDir dir;
  rewrite(test::tiny_clip_gguf(), dir / "m.gguf", [](ggml_tensor* t, ggml_context*) {
    return std::string(t->name) == "t.blk.1.attn_q.weight" ? nullptr : t;
  });
  expect_load_error(dir / "m.gguf", "lacks the tensor t.blk.1.attn_q.weight");
}

TEST(ClipGguf, WrongShape) {
  test::TempDir dir;
  rewrite(test::tiny_clip_gguf(), dir / "s.gguf", [](ggml_tensor* t, ggml_context* s) {
    if (std::string(t->name) != "v.blk.0.ffn_up.weight") return t;
    ggml_tensor* w = ggml_new_tensor_2d(s, GGML_TYPE_F32, t->ne[0] / 2, t->ne[1]);
    ggml_set_name(w, t->name);
    return w;
  });
  expect_load_error(dir / "s.gguf", "tensor v.blk.0.ffn_up.weight has shape [96,96,1,1], expected [192,96,1,1]");
}

TEST(ClipGguf, MissingKey) {
  test::TempDir dir;
  rewrite(test::tiny_clip_gguf(), dir / "k.gguf", [](ggml_tensor* t, ggml_context*) { return t; },
          {"clip.text.block_count"});
  expect_load_error(dir / "k.gguf", "lacks the key clip.text.block_count");
}

TEST(ClipGguf, TruncatedFile) {
  test::TempDir dir;
  const auto size = fs::file_size(test::tiny_clip_gguf());
  for (double fraction : {0.9, 0.5, 0.01}) {
    fs::copy_file(test::tiny_clip_gguf(), dir / "t.gguf", fs::copy_options::overwrite_existing);
    fs::resize_file(dir / "t.gguf", uintmax_t(double(size) * fraction));
    try {
      ClipModel::load((dir / "t.gguf").string());
      FAIL() << "a file cut to " << fraction << " loaded";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_TRUE(m.find("truncated") != std::string::npos || m.find("damaged") != std::string::npos) << m;
    }
  }
}

TEST(ClipGguf, UnknownDevice) {
  ClipOptions o;
  o.device = "NoSuchDevice0";
  try {
    ClipModel::load(test::tiny_clip_gguf().string(), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NoSuchDevice0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lingbi

// Quantized models: the matrix kernels that users' q4_K_M and q8_0 models run (repacked weights,
// K-quant blocks), which the f16 tiny model never reaches. On a CPU with AMX, ggml's AMX kernels
// crashed on the first product of a q4_K_M model while every test passed (README, "CPUs with AMX").
// llm-wide*.gguf are one random-weight model, 256 wide, in f16 and as llama.cpp quantized it.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gguf.h"
#include "lingbi/model/local_model.h"
#include "lingbi/util/c_handle.h"
#include "model/llama_handles.h"
#include "model_support.h"

namespace lingbi {
namespace {

using model_detail::Batch;
using model_detail::LlamaContextPtr;
using model_detail::LlamaModelPtr;
using GgufFile = CHandle<gguf_context, gguf_free>;

std::string wide(const std::string& type) {
  return (test::tiny_models() / (type.empty() ? "llm-wide.gguf" : "llm-wide-" + type + ".gguf")).string();
}

// How many tensors of each type the file holds, by ggml's type names ("q4_K", "f16", ...).
std::map<std::string, int> tensor_types(const std::string& path) {
  GgufFile g(gguf_init_from_file(path.c_str(), {/*no_alloc=*/true, /*ctx=*/nullptr}));
  if (!g) throw std::runtime_error("cannot read " + path);
  std::map<std::string, int> types;
  for (int64_t i = 0; i < gguf_get_n_tensors(g.get()); ++i) ++types[ggml_type_name(gguf_get_tensor_type(g.get(), i))];
  return types;
}

void quiet(ggml_log_level, const char*, void*) {}

// The model's logits after a prompt evaluated in one batch (the matrix-matrix kernels), then after
// one more token on its own (the matrix-vector ones), on two threads.
struct Logits {
  std::vector<float> after_prompt, after_one_more;
};

Logits logits_of(const std::string& path) {
  llama_log_set(quiet, nullptr);
  llama_backend_init();
  LlamaModelPtr model(llama_model_load_from_file(path.c_str(), llama_model_default_params()));
  if (!model) throw std::runtime_error("cannot load " + path);
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 256;
  cp.n_threads = cp.n_threads_batch = 2;
  LlamaContextPtr ctx(llama_init_from_model(model.get(), cp));
  if (!ctx) throw std::runtime_error("cannot make a context for " + path);
  const llama_vocab* vocab = llama_model_get_vocab(model.get());
  const std::string text = "The first tram crosses the river before dawn, and the bakeries open their doors. 河边的面包店";
  std::vector<llama_token> tokens(256);
  const int n = llama_tokenize(vocab, text.c_str(), static_cast<int32_t>(text.size()), tokens.data(),
                               static_cast<int32_t>(tokens.size()), false, false);
  if (n <= 8) throw std::runtime_error("the prompt tokenized into " + std::to_string(n) + " tokens");
  const int n_vocab = llama_vocab_n_tokens(vocab);
  Batch batch(n, 0, 1);
  auto decode = [&](int first, int count) {
    llama_batch& b = batch.get();
    b.n_tokens = count;
    for (int i = 0; i < count; ++i) {
      b.token[i] = tokens[first + i];
      b.pos[i] = first + i;
      b.n_seq_id[i] = 1;
      b.seq_id[i][0] = 0;
      b.logits[i] = i == count - 1;
    }
    if (llama_decode(ctx.get(), b) != 0) throw std::runtime_error("llama_decode failed on " + path);
    const float* l = llama_get_logits_ith(ctx.get(), -1);
    return std::vector<float>(l, l + n_vocab);
  };
  Logits out;
  out.after_prompt = decode(0, n - 1);
  out.after_one_more = decode(n - 1, 1);
  return out;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

bool all_finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

TEST(QuantizedModel, TheFilesHoldTheQuantizedTypesTheirNamesSay) {
  const auto q4 = tensor_types(wide("q4_K_M"));
  EXPECT_GE(q4.count("q4_K") ? q4.at("q4_K") : 0, 8) << "q4_K_M's bulk is q4_K";
  EXPECT_GE(q4.count("q6_K") ? q4.at("q6_K") : 0, 1) << "q4_K_M keeps some tensors in q6_K";
  const auto q8 = tensor_types(wide("q8_0"));
  EXPECT_GE(q8.count("q8_0") ? q8.at("q8_0") : 0, 15);
  EXPECT_EQ(q8.count("q4_K"), 0u);
  EXPECT_EQ(tensor_types(wide("")).count("q8_0"), 0u) << "the source is unquantized";
}

// Each quantization's logits, in both kernel shapes, point where the f16 model's do: a kernel that
// crashes, reads the wrong blocks or writes NaN fails here. Measured on the seed the build uses:
// cosine 0.998 and 0.9995 for q8_0, 0.93 and 0.97 for q4_K_M. llama.cpp built with ggml's AMX
// kernels on an AMX CPU died of SIGSEGV on both files.
TEST(QuantizedModel, LogitsAgreeWithTheF16Model) {
  const Logits f16 = logits_of(wide(""));
  ASSERT_TRUE(all_finite(f16.after_prompt));
  // What unrelated logits look like: the same model one token later (measured -0.08).
  ASSERT_LT(cosine(f16.after_prompt, f16.after_one_more), 0.5);
  for (const auto& [type, at_least] : std::map<std::string, double>{{"q8_0", 0.99}, {"q4_K_M", 0.9}}) {
    SCOPED_TRACE(type);
    const Logits q = logits_of(wide(type));
    ASSERT_EQ(q.after_prompt.size(), f16.after_prompt.size());
    ASSERT_TRUE(all_finite(q.after_prompt));
    ASSERT_TRUE(all_finite(q.after_one_more));
    EXPECT_GE(cosine(q.after_prompt, f16.after_prompt), at_least);
    EXPECT_GE(cosine(q.after_one_more, f16.after_one_more), at_least);
    // A quantized model is a different model, not the same one read twice.
    EXPECT_LT(cosine(q.after_prompt, f16.after_prompt), 1.0 - 1e-9);
  }
}

// LocalModel (what compose and serve run) answers from the q4_K_M model: a whole request through
// prompt evaluation, sampling and the token limit.
TEST(QuantizedModel, LocalModelAnswersFromTheQ4KMModel) {
  LocalModelOptions o;
  o.model = wide("q4_K_M");
  o.threads = 2;
  LocalModel m(o);
  ChatRequest r;
  r.messages = {Message::user("Write a line about the river at dawn.")};
  r.sampling.seed = 7;
  r.sampling.max_tokens = 24;
  const ChatResult a = m.chat(r);
  EXPECT_EQ(a.tokens.generated, 24);
  EXPECT_GT(a.tokens.prompt_evaluated, 10);
  EXPECT_FALSE(a.text.empty());
}

}  // namespace
}  // namespace lingbi

// Bad input gives a lingbi::Error whose message names the problem.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "../tools/lingbi-dev/tiny_models.h"
#include "lingbi/model/local_model.h"
#include "lingbi/model/remote_model.h"
#include "lingbi/util/error.h"
#include "model_support.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no lingbi::Error)";
}

LocalModelOptions with_model(const std::filesystem::path& p) {
  LocalModelOptions o;
  o.model = p;
  o.threads = 1;
  return o;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(ModelErrors, MissingModelFile) {
  const std::string e = error_of([] { LocalModel m(with_model("/nonexistent/dir/llm.gguf")); });
  EXPECT_TRUE(contains(e, "/nonexistent/dir/llm.gguf") && contains(e, "does not exist")) << e;
}

TEST(ModelErrors, FileThatIsNotGguf) {
  test::TempDir dir;
  test::write_file(dir / "notes.gguf", "just some text, not a model\n");
  const std::string e = error_of([&] { LocalModel m(with_model(dir / "notes.gguf")); });
  EXPECT_TRUE(contains(e, "notes.gguf") && contains(e, "not a GGUF file")) << e;
}

TEST(ModelErrors, TruncatedGguf) {
  test::TempDir dir;
  std::ifstream in(test::tiny_models() / "llm.gguf", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  test::write_file(dir / "half.gguf", bytes.substr(0, bytes.size() / 2));
  const std::string e = error_of([&] { LocalModel m(with_model(dir / "half.gguf")); });
  EXPECT_TRUE(contains(e, "half.gguf") && contains(e, "truncated")) << e;
  // Cut inside the header (the tokenizer keys) as well.
  test::write_file(dir / "head.gguf", bytes.substr(0, 100000));
  const std::string e2 = error_of([&] { LocalModel m(with_model(dir / "head.gguf")); });
  EXPECT_TRUE(contains(e2, "head.gguf") && contains(e2, "truncated")) << e2;
}

TEST(ModelErrors, GgufThatIsNotALanguageModelSaysWhy) {
  const std::string e = error_of([] { LocalModel m(with_model(test::tiny_models() / "mmproj.gguf")); });
  EXPECT_TRUE(contains(e, "mmproj.gguf") && contains(e, "could not be loaded") && contains(e, "--mmproj"))
      << e;
}

TEST(ModelErrors, MmprojThatDoesNotFitTheModel) {
  test::TempDir dir;
  dev::write_tiny_mmproj(dir / "narrow.gguf", 1, 32);  // 32-wide embeddings for a 64-wide model
  LocalModelOptions o = with_model(test::tiny_models() / "llm.gguf");
  o.mmproj = dir / "narrow.gguf";
  const std::string e = error_of([&] { LocalModel m(o); });
  EXPECT_TRUE(contains(e, "narrow.gguf") && contains(e, "does not fit") && contains(e, "n_embd = 32")) << e;
}

TEST(ModelErrors, MissingImageFile) {
  LocalModelOptions o = with_model(test::tiny_models() / "llm.gguf");
  o.mmproj = test::tiny_models() / "mmproj.gguf";
  LocalModel m(o);
  ChatRequest r;
  r.messages = {Message::user("Describe.")};
  r.messages[0].parts.push_back(ContentPart::of_image_file("/nonexistent/cat.png"));
  const std::string e = error_of([&] { m.chat(r); });
  EXPECT_TRUE(contains(e, "/nonexistent/cat.png")) << e;
}

TEST(ModelErrors, PromptLongerThanTheContext) {
  LocalModelOptions o = with_model(test::tiny_models() / "llm.gguf");
  o.context = 256;
  LocalModel m(o);
  ChatRequest r;
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "word ";
  r.messages = {Message::user(long_text)};
  const std::string e = error_of([&] { m.chat(r); });
  EXPECT_TRUE(contains(e, "context holds 256") && contains(e, "-c")) << e;
  // A prompt that fits but leaves little room ends with `length` when the context is full.
  r.messages = {Message::user("short")};
  r.sampling.max_tokens = 1000;
  const ChatResult res = m.chat(r);
  EXPECT_EQ(res.finish, FinishReason::length);
  EXPECT_EQ(res.tokens.prompt_total() + res.tokens.generated, 256);
}

TEST(ModelErrors, ServerDownFailsAfterRetriesWithinTheTimeout) {
  RemoteModelOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(test::free_port());
  o.connect_timeout_s = 1;
  o.retries = 2;
  o.backoff_s = 0.1;
  RemoteModel m(o);
  ChatRequest r;
  r.messages = {Message::user("hello")};
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e = error_of([&] { m.chat(r); });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(contains(e, "3 attempts") && contains(e, o.endpoint)) << e;
  EXPECT_GE(s, 0.3);  // the two backoffs: 0.1 s + 0.2 s
  EXPECT_LT(s, 3 * o.connect_timeout_s + 0.3 + 1.0);
}

TEST(ModelErrors, NotAnHttpEndpoint) {
  RemoteModelOptions o;
  o.endpoint = "127.0.0.1:8080";
  const std::string e = error_of([&] { RemoteModel m(o); });
  EXPECT_TRUE(contains(e, "127.0.0.1:8080") && contains(e, "http")) << e;
}

TEST(ModelErrors, ServerAnswering401And404) {
  test::LlamaServer server({"--api-key", "right-key"});
  ChatRequest r;
  r.messages = {Message::user("hello")};
  r.sampling.max_tokens = 2;

  RemoteModelOptions o;
  o.endpoint = server.url();
  o.api_key = "wrong-key";
  o.retries = 3;
  o.backoff_s = 1.0;  // a retry would take a second: a 4xx must not wait for one
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e401 = error_of([&] { RemoteModel(o).chat(r); });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(contains(e401, "401") && contains(e401, "--api-key")) << e401;
  EXPECT_LT(s, 1.0) << "a 4xx must not be retried";

  o.api_key = "right-key";
  EXPECT_EQ(RemoteModel(o).chat(r).tokens.generated, 2);

  o.endpoint = server.url() + "/no/such/chat/completions";
  const std::string e404 = error_of([&] { RemoteModel(o).chat(r); });
  EXPECT_TRUE(contains(e404, "404")) << e404;
}

}  // namespace
}  // namespace lingbi

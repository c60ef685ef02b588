// LocalModel only: seeds, KV prefix reuse, the image-embedding cache, two threads.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <thread>

#include <nlohmann/json.hpp>

#include "lingbi/model/local_model.h"
#include "lingbi/util/error.h"
#include "model_support.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

LocalModelOptions tiny_options(bool with_mmproj = true) {
  LocalModelOptions o;
  o.model = test::tiny_models() / "llm.gguf";
  if (with_mmproj) o.mmproj = test::tiny_models() / "mmproj.gguf";
  o.threads = 1;
  return o;
}

ChatRequest ask(const std::string& text, uint32_t seed, int max_tokens) {
  ChatRequest r;
  r.messages = {Message::user(text)};
  r.sampling.seed = seed;
  r.sampling.max_tokens = max_tokens;
  return r;
}

// About `words` words of deterministic filler text.
std::string article(int words) {
  static const char* vocab[] = {"river",  "stone",  "light",   "garden", "market", "window",
                                "winter", "harbor", "lantern", "forest", "bridge", "morning",
                                "paper",  "copper", "orchard", "valley"};
  std::string s;
  uint32_t x = 12345;
  for (int i = 0; i < words; ++i) {
    x = x * 1103515245u + 12345u;
    s += vocab[(x >> 16) % 16];
    s += (i % 12 == 11) ? ". " : " ";
  }
  return s;
}

TEST(LocalModel, SameSeedSameTextAndOtherSeedOtherText) {
  LocalModel m(tiny_options(false));
  const ChatResult a = m.chat(ask("Tell me something.", 42, 24));
  m.clear_cache();
  const ChatResult b = m.chat(ask("Tell me something.", 42, 24));
  const ChatResult c = m.chat(ask("Tell me something.", 43, 24));
  EXPECT_EQ(a.text, b.text);
  EXPECT_NE(a.text, c.text);
  EXPECT_EQ(a.tokens.generated, 24);
}

TEST(LocalModel, SharedThousandTokenPrefixIsReused) {
  LocalModel m(tiny_options(false));
  ChatRequest first;
  first.messages = {Message::system("Answer questions about this article.\n" + article(900)),
                    Message::user("What is the first question?")};
  first.sampling.seed = 1;
  first.sampling.max_tokens = 4;
  ChatRequest second = first;
  second.messages[1] = Message::user("And what is a different, second question about it?");
  const ChatResult a = m.chat(first);
  ASSERT_GE(a.tokens.prompt_total(), 1000);
  EXPECT_EQ(a.tokens.prompt_reused, 0);
  EXPECT_EQ(a.tokens.prompt_evaluated, a.tokens.prompt_total());

  const ChatResult b = m.chat(second);
  EXPECT_GE(b.tokens.prompt_reused, 990);
  EXPECT_EQ(b.tokens.prompt_evaluated, b.tokens.prompt_total() - b.tokens.prompt_reused);
  EXPECT_LT(b.tokens.prompt_evaluated, 40);
  EXPECT_EQ(b.tokens.prompt_total(), m.count_prompt_tokens(second));
}

// The conversation goes on after an answer: the answer, quoted back as the assistant's message, is
// read from the cache as the model sampled it, not evaluated again because its text tokenizes
// differently (random weights spell nearly every answer differently from the tokenizer).
TEST(LocalModel, AnAnswerQuotedBackIsReusedNotEvaluatedAgain) {
  for (const bool with_mmproj : {false, true}) {
    LocalModel m(tiny_options(with_mmproj));
    ChatRequest r = ask("Write two sentences about rivers.", 5, 48);
    const ChatResult a = m.chat(r);
    ASSERT_EQ(a.tokens.generated, 48);
    r.messages.push_back(Message::assistant(a.text));
    r.messages.push_back(Message::user("Now one more."));
    const ChatResult b = m.chat(r);
    // The cache holds the first prompt and every sampled token but the last (never decoded).
    EXPECT_GE(b.tokens.prompt_reused, a.tokens.prompt_total() + a.tokens.generated - 1) << with_mmproj;
    EXPECT_LT(b.tokens.prompt_evaluated, 20) << with_mmproj;
    EXPECT_EQ(b.tokens.prompt_total(), m.count_prompt_tokens(r));
  }
}

TEST(LocalModel, ReusedPrefixGivesTheSameAnswerAsAFreshEvaluation) {
  LocalModel m(tiny_options(false));
  ChatRequest r;
  r.messages = {Message::system(article(200)), Message::user("Question one?")};
  r.sampling.seed = 3;
  r.sampling.temperature = 0;
  r.sampling.max_tokens = 12;
  m.chat(r);  // fills the cache with the shared prefix
  r.messages[1] = Message::user("Question two?");
  const ChatResult reused = m.chat(r);
  m.clear_cache();
  const ChatResult fresh = m.chat(r);
  EXPECT_GT(reused.tokens.prompt_reused, 200);
  EXPECT_EQ(fresh.tokens.prompt_reused, 0);
  EXPECT_EQ(reused.text, fresh.text);
}

TEST(LocalModel, SameImageIsEncodedOnce) {
  LocalModel m(tiny_options());
  const std::string png = test::png_bytes(64, 48, 200);
  ChatRequest r = ask("Describe.", 1, 2);
  r.messages[0].parts.push_back(ContentPart::of_image_bytes(png));
  m.chat(r);
  EXPECT_EQ(m.images_encoded(), 1);
  m.clear_cache();  // the KV cache is gone; the embedding cache is not
  const ChatResult again = m.chat(r);
  EXPECT_EQ(m.images_encoded(), 1);
  EXPECT_EQ(again.tokens.prompt_reused, 0);
  r.messages[0].parts.push_back(ContentPart::of_image_bytes(test::png_bytes(64, 48, 20)));
  m.chat(r);
  EXPECT_EQ(m.images_encoded(), 2);
}

TEST(LocalModel, ImageCacheKeepsOnlyTheLastEmbeddings) {
  LocalModelOptions o = tiny_options();
  o.image_cache = 1;
  LocalModel m(o);
  const std::string a = test::png_bytes(16, 16, 1), b = test::png_bytes(16, 16, 2);
  for (const std::string* png : {&a, &a, &b, &a}) {
    ChatRequest r = ask("Describe.", 1, 1);
    r.messages[0].parts.push_back(ContentPart::of_image_bytes(*png));
    m.clear_cache();
    m.chat(r);
  }
  EXPECT_EQ(m.images_encoded(), 3);  // a, (a cached), b evicts a, a again
}

TEST(LocalModel, ImageFromFileAndFromBytesAreTheSameImage) {
  test::TempDir dir;
  const std::string png = test::png_bytes(32, 32, 90);
  test::write_file(dir / "x.png", png);
  LocalModel m(tiny_options());
  ChatRequest a = ask("Describe.", 1, 3);
  a.sampling.temperature = 0;
  ChatRequest b = a;
  a.messages[0].parts.push_back(ContentPart::of_image_file(dir / "x.png"));
  b.messages[0].parts.push_back(ContentPart::of_image_bytes(png));
  const ChatResult ra = m.chat(a);
  const ChatResult rb = m.chat(b);
  EXPECT_EQ(ra.text, rb.text);
  EXPECT_EQ(m.images_encoded(), 1);
}

TEST(LocalModel, CallsFromTwoThreadsAreSerialisedAndIntact) {
  LocalModel m(tiny_options(false));
  ChatResult results[2];
  std::string streams[2];
  std::thread threads[2];
  for (int i = 0; i < 2; ++i) {
    threads[i] = std::thread([&, i] {
      ChatRequest r = ask(i == 0 ? "First thread." : "Second thread, other words.", 10 + i, 20);
      r.on_text = [&, i](std::string_view p) { streams[i] += p; };
      results[i] = m.chat(r);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(results[i].tokens.generated, 20);
    EXPECT_EQ(streams[i], results[i].text);
  }
  // Each matches what the same request gives alone.
  m.clear_cache();
  const ChatResult alone = m.chat(ask("Second thread, other words.", 11, 20));
  EXPECT_EQ(alone.text, results[1].text);
}

TEST(LocalModel, ImageWithoutMmprojIsAClearError) {
  LocalModel m(tiny_options(false));
  ChatRequest r = ask("Describe.", 1, 2);
  r.messages[0].parts.push_back(ContentPart::of_image_bytes(test::png_bytes(8, 8, 0)));
  try {
    m.chat(r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--mmproj"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lingbi

namespace lingbi {
namespace {

std::string llama_template(const std::string& name) {
  std::ifstream in(std::string(LINGBI_LLAMA_CPP_SRC) + "/models/templates/" + name);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Qwen3's template (from the pinned llama.cpp tree) lets the model think aloud: a
// schema-constrained answer still parses.
TEST(LocalModel, ThinkingTemplateWithSchemaStillParses) {
  LocalModelOptions o = tiny_options(false);
  o.chat_template = llama_template("Qwen-Qwen3-0.6B.jinja");
  ASSERT_FALSE(o.chat_template.empty());
  LocalModel m(o);
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    ChatRequest r = ask("Give a count.", seed, 400);
    r.json_schema =
        R"({"type":"object","properties":{"count":{"type":"integer","minimum":1,"maximum":9}},"required":["count"]})";
    const ChatResult res = m.chat(r);
    ASSERT_EQ(res.finish, FinishReason::stop) << res.text;
    const auto j = nlohmann::json::parse(res.text);
    EXPECT_GE(j["count"].get<int>(), 1);
    EXPECT_LE(j["count"].get<int>(), 9);
  }
}

// DeepSeek-R1's template opens a <think> block in the generation prompt: everything the model
// says before closing it is reasoning, kept out of the answer and out of the stream.
TEST(LocalModel, ReasoningStaysOutOfTheAnswer) {
  LocalModelOptions o = tiny_options(false);
  o.chat_template = llama_template("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja");
  ASSERT_FALSE(o.chat_template.empty());
  LocalModel m(o);
  ChatRequest r = ask("Hi.", 1, 10);
  std::string streamed;
  r.on_text = [&](std::string_view p) { streamed += p; };
  const ChatResult res = m.chat(r);
  EXPECT_EQ(res.finish, FinishReason::length);
  EXPECT_FALSE(res.reasoning.empty());
  EXPECT_EQ(res.text, "");
  EXPECT_EQ(streamed, "");
}

}  // namespace
}  // namespace lingbi

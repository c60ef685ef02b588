// OpenAI's chat API on `lingbi serve` (issue 11 item 6): the real program with the tiny models, over
// real HTTP. The answers' shape as OpenAI documents it (chat.completion and its chunks, usage),
// what is refused and how (400 naming the field, 404 model_not_found, 503 when the queue is full),
// a client that goes away cancelling its chat, and the official npm `openai` client. RemoteModel,
// lingbi's own client, runs the whole model contract against lingbi serve (model_contract_test).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../tools/lingbi-dev/tiny_models.h"
#include "lingbi/model/remote_model.h"
#include "lingbi/util/error.h"
#include "lingbi/util/path_json.h"
#include "model_support.h"
#include "support/compose_fixture.h"
#include "support/images.h"
#include "support/process.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace lingbi::test {
namespace {

using nlohmann::json;

// The data of each "data: ..." event of a server-sent-events body.
std::vector<std::string> sse_data(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("data: ", 0) == 0) out.push_back(line.substr(6));
  return out;
}

json user_chat(const std::string& text, int max_tokens) {
  return {{"model", "llm"},
          {"messages", json::array({{{"role", "user"}, {"content", text}}})},
          {"max_tokens", max_tokens},
          {"temperature", 0},
          {"seed", 1}};
}

class ServeChatTest : public ::testing::Test {
 protected:
  void start(const std::string& flags = "") {
    server_ = std::make_unique<Server>(dir_.path() / "articles", flags);
    ASSERT_GT(server_->port(), 0) << "lingbi serve did not start";
    http_ = server_->client();
  }
  void SetUp() override { start(); }

  httplib::Result chat(const json& body) {
    return http_->Post("/v1/chat/completions", body.dump(), "application/json");
  }
  // The error of a refused chat: its status and {"type", "message"}.
  std::pair<int, json> refused(const json& body) {
    auto r = chat(body);
    EXPECT_TRUE(r);
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body)["error"]};
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(ServeChatTest, ModelsListsTheModelByItsFileName) {
  const json list = body_of(http_->Get("/v1/models"));
  EXPECT_EQ(list["object"], "list");
  ASSERT_EQ(list["data"].size(), 1u);
  EXPECT_EQ(list["data"][0]["id"], "llm");
  EXPECT_EQ(list["data"][0]["object"], "model");
  EXPECT_EQ(list["data"][0]["owned_by"], "lingbi");
  EXPECT_GT(list["data"][0]["created"].get<int64_t>(), 1600000000);
  EXPECT_EQ(body_of(http_->Get("/v1/models/llm"))["id"], "llm");
  auto other = http_->Get("/v1/models/gpt-4o");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(json::parse(other->body)["error"]["type"], "model_not_found");
}

TEST_F(ServeChatTest, AnAnswerIsAChatCompletionAndItsStreamSaysTheSame) {
  auto r = chat(user_chat("Say something about rivers.", 12));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json once = json::parse(r->body);
  EXPECT_EQ(once["object"], "chat.completion");
  EXPECT_EQ(once["model"], "llm");
  EXPECT_EQ(once["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  ASSERT_EQ(once["choices"].size(), 1u);
  const json& choice = once["choices"][0];
  EXPECT_EQ(choice["message"]["role"], "assistant");
  const std::string text = choice["message"]["content"];
  const json& usage = once["usage"];
  EXPECT_GT(usage["prompt_tokens"].get<int>(), 0);
  EXPECT_GT(usage["completion_tokens"].get<int>(), 0);
  EXPECT_LE(usage["completion_tokens"].get<int>(), 12);
  EXPECT_EQ(usage["total_tokens"], usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
  EXPECT_EQ(choice["finish_reason"], usage["completion_tokens"] == 12 ? "length" : "stop");

  json streamed_request = user_chat("Say something about rivers.", 12);
  streamed_request["stream"] = true;
  streamed_request["stream_options"] = {{"include_usage", true}};
  auto s = chat(streamed_request);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->status, 200) << s->body;
  EXPECT_EQ(s->get_header_value("Content-Type").rfind("text/event-stream", 0), 0u);
  const std::vector<std::string> events = sse_data(s->body);
  ASSERT_GE(events.size(), 4u) << s->body;
  EXPECT_EQ(events.back(), "[DONE]");
  std::string content;
  int finishes = 0, deltas = 0;
  json usage_chunk;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const json c = json::parse(events[i]);
    EXPECT_EQ(c["object"], "chat.completion.chunk");
    EXPECT_EQ(c["id"], json::parse(events[0])["id"]) << "every chunk carries the answer's id";
    if (c["choices"].empty()) {
      usage_chunk = c["usage"];
      continue;
    }
    EXPECT_TRUE(c["usage"].is_null()) << "only the last chunk carries the usage";
    const json& delta = c["choices"][0]["delta"];
    if (i == 0) {
      EXPECT_EQ(delta["role"], "assistant");
    }
    if (delta.contains("content") && !delta["content"].get<std::string>().empty()) {
      content += delta["content"].get<std::string>();
      ++deltas;
    }
    if (!c["choices"][0]["finish_reason"].is_null()) {
      ++finishes;
      EXPECT_EQ(c["choices"][0]["finish_reason"], choice["finish_reason"]);
    }
  }
  EXPECT_EQ(finishes, 1);
  EXPECT_GT(deltas, 1);
  EXPECT_EQ(content, text) << "greedy decoding: the same answer streamed or not";
  ASSERT_TRUE(usage_chunk.is_object()) << "stream_options.include_usage asks for a usage chunk";
  EXPECT_EQ(usage_chunk["completion_tokens"], usage["completion_tokens"]);
}

TEST_F(ServeChatTest, ResponseFormatJsonObjectAnswersAnObject) {
  json request = user_chat("Give me an object.", 200);
  request["response_format"] = {{"type", "json_object"}};
  auto r = chat(request);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json answer = json::parse(r->body)["choices"][0];
  if (answer["finish_reason"] == "stop") {
    json value;
    ASSERT_NO_THROW(value = json::parse(answer["message"]["content"].get<std::string>())) << answer.dump();
    EXPECT_TRUE(value.is_object());
  } else {
    EXPECT_EQ(json::parse(r->body)["usage"]["completion_tokens"], 200);
  }
}

TEST_F(ServeChatTest, BadRequestsAnswer400NamingTheField) {
  const std::string png = encode_base64(png_bytes(8, 8, 1));
  const auto with_image = [](const std::string& url) {
    return json{{"messages",
                 json::array({{{"role", "user"},
                               {"content",
                                json::array({{{"type", "text"}, {"text", "What is it?"}},
                                             {{"type", "image_url"}, {"image_url", {{"url", url}}}}})}}})}};
  };
  struct Case {
    json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {with_image("/etc/passwd"), "messages[0].content[1].image_url.url: only data: URLs"},
      {with_image("file:///etc/passwd"), "messages[0].content[1].image_url.url: only data: URLs"},
      {with_image("http://127.0.0.1:1/a.png"), "messages[0].content[1].image_url.url: only data: URLs"},
      {with_image("data:text/plain;base64," + png), "messages[0].content[1].image_url.url"},
      {with_image("data:image/png;base64,not base64!"),
       "messages[0].content[1].image_url.url: the data is not valid base64"},
      {with_image("data:image/png;base64," + encode_base64("plain text, not a picture")),
       "messages[0].content[1].image_url.url: not a picture"},
      {with_image("data:image/png;base64,"), "messages[0].content[1].image_url.url: the picture is empty"},
      {json{{"model", "llm"}}, "messages:"},
      {json{{"messages", json::array()}}, "messages:"},
      {json{{"messages", "hello"}}, "messages:"},
      {json{{"messages", json::array({{{"role", "tool"}, {"content", "x"}}})}}, "messages[0].role"},
      {json{{"messages", json::array({{{"role", "user"}}})}}, "messages[0].content"},
      {json{{"messages", json::array({{{"role", "user"}, {"content", json::array({{{"type", "audio"}}})}}})}},
       "messages[0].content[0].type"},
      {json{{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}, {"temperature", "hot"}},
       "temperature"},
      {json{{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}, {"max_tokens", 0}},
       "max_tokens"},
      {json{{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}, {"stop", json::array({1})}},
       "stop"},
      {json{{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}, {"n", 2}}, "n:"},
      {json{{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
            {"response_format", {{"type", "json_schema"}}}},
       "response_format.json_schema.schema"},
      {json{{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
            {"response_format", {{"type", "yaml"}}}},
       "response_format.type"},
  };
  for (const Case& c : cases) {
    const auto [status, error] = refused(c.body);
    EXPECT_EQ(status, 400) << c.body.dump().substr(0, 200);
    EXPECT_EQ(error.value("type", ""), "bad_request");
    EXPECT_NE(error.value("message", "").find(c.field), std::string::npos)
        << "expected '" << c.field << "' in: " << error.dump();
  }

  json unknown = user_chat("Hello", 4);
  unknown["model"] = "gpt-4o";
  const auto [status, error] = refused(unknown);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(error["type"], "model_not_found");
  EXPECT_NE(error["message"].get<std::string>().find("gpt-4o"), std::string::npos) << error.dump();

  RemoteModelOptions o;
  o.endpoint = server_->base_url();
  o.model = "gpt-4o";
  ChatRequest hello;
  hello.messages = {Message::user("Hello")};
  try {
    RemoteModel(o).chat(hello);
    ADD_FAILURE() << "a chat with an unknown model succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("404"), std::string::npos) << e.what();
  }

  // A chat is not a job a client may queue itself.
  auto job = http_->Post("/v1/jobs", json{{"type", "chat"}}.dump(), "application/json");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->status, 400);
  EXPECT_NE(job->body.find("type:"), std::string::npos) << job->body;
}

TEST_F(ServeChatTest, AConversationKeepsItsTurnsAndTheirTokens) {
  const json one = body_of(chat(user_chat("And the sea?", 4)));
  json turns = user_chat("", 4);
  turns["messages"] =
      json::array({{{"role", "system"}, {"content", "You answer briefly."}},
                   {{"role", "user"}, {"content", "Tell me about rivers."}},
                   {{"role", "assistant"},
                    {"content", json::array({{{"type", "text"}, {"text", "Rivers run to the sea."}}})}},
                   {{"role", "user"}, {"content", "And the sea?"}}});
  const json three = body_of(chat(turns));
  ASSERT_EQ(three["object"], "chat.completion") << three.dump();
  EXPECT_GT(three["usage"]["prompt_tokens"].get<int>(), one["usage"]["prompt_tokens"].get<int>() + 10)
      << "the earlier turns are part of the prompt";
  EXPECT_EQ(three["usage"]["completion_tokens"], 4);
}

// A picture makes a body larger than the 1 MB other routes take: up to 20 MB are read here.
TEST_F(ServeChatTest, APictureOfMegabytesIsAcceptedHereButNotAsAJob) {
  ensure_vips();
  const vips::VImage noise =
      vips::VImage::gaussnoise(1000, 1000, vips::VImage::option()->set("sigma", 80.0))
          .bandjoin({vips::VImage::gaussnoise(1000, 1000), vips::VImage::gaussnoise(1000, 1000)})
          .cast(VIPS_FORMAT_UCHAR);
  void* buf = nullptr;
  size_t len = 0;
  noise.write_to_buffer(".png", &buf, &len);
  const std::string png(static_cast<const char*>(buf), len);
  g_free(buf);
  json request = user_chat("", 4);
  request["messages"][0]["content"] = json::array(
      {{{"type", "text"}, {"text", "What is this?"}},
       {{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64," + encode_base64(png)}}}}});
  const std::string body = request.dump();
  ASSERT_GT(body.size(), 2u << 20) << "the picture should make the body larger than 2 MB";
  auto r = http_->Post("/v1/chat/completions", body, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 300);
  const json plain = body_of(chat(user_chat("What is this?", 4)));
  EXPECT_EQ(
      json::parse(r->body)["usage"]["prompt_tokens"].get<int>() - plain["usage"]["prompt_tokens"].get<int>(),
      dev::kTinyMmprojImageTokens);

  // The same body as a job is refused from its headers, before it is read. (Sent whole, it would
  // race the server's close: the client can be writing when the 413 comes, and die of SIGPIPE.)
  EXPECT_EQ(raw_status(server_->port(), "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n{"),
            413);
}

// With one place in the queue: a streamed chat runs, a second waits, a third is refused with 503;
// when the first client goes away its chat is cancelled and the waiting one runs.
TEST_F(ServeChatTest, AClientThatGoesAwayCancelsItsChatAndAFullQueueAnswers503) {
  server_.reset();
  start("--max-queue 1");
  json long_chat = user_chat("Write forever.", 100000);
  long_chat["stream"] = true;
  std::atomic<int> chunks{0};
  std::atomic<bool> leave{false};
  std::thread first([&] {
    auto c = server_->client();
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.body = long_chat.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) {
      ++chunks;
      return !leave.load();
    };
    c->send(req);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (chunks.load() < 5 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GE(chunks.load(), 5) << "the long chat did not start streaming";

  httplib::Result second;
  std::thread waiting([&] {
    second = server_->client()->Post("/v1/chat/completions", user_chat("Hi", 4).dump(), "application/json");
  });
  while (body_of(http_->Get("/health"))["waiting"] != 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(body_of(http_->Get("/health"))["jobs"]["running"], 1);

  auto third = chat(user_chat("Hello", 4));
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 503);
  EXPECT_FALSE(third->get_header_value("Retry-After").empty());
  EXPECT_EQ(json::parse(third->body)["error"]["type"], "queue_full");

  leave = true;
  const auto left_at = std::chrono::steady_clock::now();
  first.join();
  waiting.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - left_at).count();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200) << second->body;
  EXPECT_EQ(json::parse(second->body)["usage"]["completion_tokens"], 4);
  EXPECT_LT(seconds, 30) << "the abandoned chat of 100000 tokens was not cancelled";
  // A finished chat is forgotten just after its answer went out: chats are not kept as jobs.
  json health;
  for (int i = 0; i < 100; ++i) {
    health = body_of(http_->Get("/health"));
    if (health["jobs"]["completed"] == 0 && health["jobs"]["cancelled"] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(health["jobs"]["running"], 0) << health.dump();
  EXPECT_EQ(health["waiting"], 0) << health.dump();
  EXPECT_EQ(health["jobs"]["completed"], 0) << health.dump();
  EXPECT_EQ(health["jobs"]["cancelled"], 0) << health.dump();
}

// A chat waits in the queue behind a compose: it never runs beside it on the one model.
TEST_F(ServeChatTest, AChatWaitsBehindACompose) {
  ComposeGallery gallery(8);
  server_.reset();
  start("--gallery " + (gallery.dir.path() / "gallery").string() + " --clip " +
        (tiny_models() / "clip.gguf").string());
  auto submitted = http_->Post(
      "/v1/jobs",
      json{{"type", "compose"}, {"instruction", "Rain"}, {"words", 150}, {"images", 1}, {"seed", 2}}.dump(),
      "application/json");
  ASSERT_TRUE(submitted);
  ASSERT_EQ(submitted->status, 202) << submitted->body;
  const std::string job = json::parse(submitted->body)["id"];
  const json answer = body_of(chat(user_chat("Hello", 4)));
  EXPECT_EQ(answer["object"], "chat.completion") << answer.dump();
  EXPECT_EQ(body_of(http_->Get("/v1/jobs/" + job))["status"], "completed")
      << "the chat was answered before the compose queued ahead of it had finished";
}

// The official npm `openai` client (tests/node, pinned): a chat with a picture as a data URL, the
// same question without it, a streamed chat, and a wrong key.
TEST_F(ServeChatTest, TheOfficialOpenAiClientChatsWithAPictureAndStreams) {
  server_.reset();
  start("--api-key node-s3cret");
  const std::string node_dir = std::string(LINGBI_TEST_SOURCE_DIR) + "/tests/node";
  ASSERT_TRUE(std::filesystem::exists(node_dir + "/node_modules/openai/package.json"))
      << "the npm openai package is not installed: run ./scripts/setup (npm ci in tests/node)";
  int status = 0;
  const std::string out = run_capture(
      "node " + node_dir + "/openai_chat.mjs " + server_->base_url() + " node-s3cret llm 2>&1", status);
  ASSERT_EQ(status, 0) << out;
  const json r = json::parse(out);  // the script prints one line
  EXPECT_EQ(r["models"], json::array({"llm"}));
  EXPECT_EQ(r["image"]["prompt_tokens"].get<int>() - r["text"]["prompt_tokens"].get<int>(),
            dev::kTinyMmprojImageTokens)
      << "the picture reached the model: " << out;
  for (const char* name : {"image", "text"}) {
    EXPECT_GT(r[name]["completion_tokens"].get<int>(), 0) << out;
    EXPECT_LE(r[name]["completion_tokens"].get<int>(), 8) << out;
  }
  EXPECT_GE(r["stream"]["chunks"].get<int>(), 4) << "role, deltas, finish and usage chunks: " << out;
  EXPECT_FALSE(r["stream"]["content"].get<std::string>().empty()) << out;
  EXPECT_GT(r["stream"]["completion_tokens"].get<int>(), 0) << out;
  EXPECT_EQ(r["wrong_key_status"], 401);
}

}  // namespace
}  // namespace lingbi::test

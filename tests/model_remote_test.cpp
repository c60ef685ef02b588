// RemoteModel's HTTP behaviour where llama-server cannot be made to misbehave: a small scripted
// HTTP server (cpp-httplib, on a free loopback port) answers 5xx, 4xx, bad replies and slow
// replies, and records what RemoteModel sent. The happy path is tested against llama-server in
// model_contract_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "cpp-httplib/httplib.h"
#include "lingbi/model/remote_model.h"
#include "lingbi/util/error.h"
#include "model_support.h"

namespace lingbi {
namespace {

// The SSE body of a streamed completion saying `pieces`, then finish_reason "stop".
std::string sse_reply(const std::vector<std::string>& pieces) {
  std::string s;
  for (const auto& p : pieces) {
    s +=
        "data: " + nlohmann::json{{"choices", {{{"index", 0}, {"delta", {{"content", p}}}}}}}.dump() + "\n\n";
  }
  s += "data: " +
       nlohmann::json{
           {"choices", {{{"index", 0}, {"delta", nlohmann::json::object()}, {"finish_reason", "stop"}}}},
           {"usage", {{"prompt_tokens", 12}, {"completion_tokens", 3}}}}
           .dump() +
       "\n\n";
  return s + "data: [DONE]\n\n";
}

class ScriptedServer {
 public:
  using Handler = std::function<void(int call, const httplib::Request&, httplib::Response&)>;
  explicit ScriptedServer(Handler h) : handler_(std::move(h)), port_(test::free_port()) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const int call = calls_++;
      last_body_ = req.body;
      last_auth_ = req.get_header_value("Authorization");
      handler_(call, req, res);
    });
    thread_ = std::thread([this] { server_.listen("127.0.0.1", port_); });
    server_.wait_until_ready();
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int calls() const { return calls_; }
  const std::string& last_body() const { return last_body_; }
  const std::string& last_auth() const { return last_auth_; }

 private:
  Handler handler_;
  int port_;
  httplib::Server server_;
  std::thread thread_;
  std::atomic<int> calls_{0};
  std::string last_body_, last_auth_;
};

RemoteModelOptions options_for(const ScriptedServer& s) {
  RemoteModelOptions o;
  o.endpoint = s.url();
  o.retries = 2;
  o.backoff_s = 0.05;
  o.connect_timeout_s = 2;
  return o;
}

ChatRequest hello() {
  ChatRequest r;
  r.messages = {Message::user("hello")};
  return r;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no lingbi::Error)";
}

TEST(RemoteModel, RetriesA5xxThenSucceeds) {
  ScriptedServer s([](int call, const httplib::Request&, httplib::Response& res) {
    if (call < 2) {
      res.status = 503;
      res.set_content(R"({"error":{"message":"loading model"}})", "application/json");
    } else {
      res.set_content(sse_reply({"Hel", "lo"}), "text/event-stream");
    }
  });
  const ChatResult r = RemoteModel(options_for(s)).chat(hello());
  EXPECT_EQ(s.calls(), 3);
  EXPECT_EQ(r.text, "Hello");
  EXPECT_EQ(r.finish, FinishReason::stop);
  EXPECT_EQ(r.tokens.prompt_total(), 12);
  EXPECT_EQ(r.tokens.generated, 3);
}

TEST(RemoteModel, GivesUpAfterTheConfiguredRetriesOn5xx) {
  ScriptedServer s([](int, const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content(R"({"error":{"message":"out of memory"}})", "application/json");
  });
  const std::string e = error_of([&] { RemoteModel(options_for(s)).chat(hello()); });
  EXPECT_EQ(s.calls(), 3);
  EXPECT_NE(e.find("500"), std::string::npos) << e;
  EXPECT_NE(e.find("out of memory"), std::string::npos) << e;
  EXPECT_NE(e.find("3 attempts"), std::string::npos) << e;
}

TEST(RemoteModel, A4xxFailsAtOnceWithTheServersMessage) {
  ScriptedServer s([](int, const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"error":{"message":"context length exceeded"}})", "application/json");
  });
  const std::string e = error_of([&] { RemoteModel(options_for(s)).chat(hello()); });
  EXPECT_EQ(s.calls(), 1);
  EXPECT_NE(e.find("400"), std::string::npos) << e;
  EXPECT_NE(e.find("context length exceeded"), std::string::npos) << e;
}

TEST(RemoteModel, AReplyThatViolatesTheSchemaIsAClearError) {
  ScriptedServer s([](int, const httplib::Request&, httplib::Response& res) {
    res.set_content(sse_reply({"{\"count\": ", "42}"}), "text/event-stream");
  });
  ChatRequest r = hello();
  r.json_schema =
      R"({"type":"object","properties":{"count":{"type":"integer","maximum":9}},"required":["count"]})";
  const std::string e = error_of([&] { RemoteModel(options_for(s)).chat(r); });
  EXPECT_NE(e.find("/count: 42 is above maximum 9"), std::string::npos) << e;
  ScriptedServer t([](int, const httplib::Request&, httplib::Response& res) {
    res.set_content(sse_reply({"not json"}), "text/event-stream");
  });
  const std::string e2 = error_of([&] { RemoteModel(options_for(t)).chat(r); });
  EXPECT_NE(e2.find("not JSON"), std::string::npos) << e2;
}

TEST(RemoteModel, SendsImagesAsDataUrlsTheSchemaAndTheKey) {
  ScriptedServer s([](int, const httplib::Request&, httplib::Response& res) {
    res.set_content(sse_reply({"{}"}), "text/event-stream");
  });
  RemoteModelOptions o = options_for(s);
  o.api_key = "k-123";
  o.model = "tiny";
  ChatRequest r = hello();
  const std::string png = test::png_bytes(8, 8, 1);
  r.messages[0].parts.push_back(ContentPart::of_image_bytes(png));
  r.json_schema = R"({"type":"object"})";
  r.sampling.seed = 5;
  r.sampling.max_tokens = 7;
  r.sampling.stop = {"END"};
  RemoteModel(o).chat(r);
  EXPECT_EQ(s.last_auth(), "Bearer k-123");
  const auto body = nlohmann::json::parse(s.last_body());
  EXPECT_EQ(body["model"], "tiny");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["seed"], 5);
  EXPECT_EQ(body["max_tokens"], 7);
  EXPECT_EQ(body["stop"], nlohmann::json::array({"END"}));
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"], nlohmann::json::parse(r.json_schema));
  const auto& parts = body["messages"][0]["content"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]["text"], "hello");
  const std::string url = parts[1]["image_url"]["url"];
  ASSERT_EQ(url.rfind("data:image/png;base64,", 0), 0u) << url.substr(0, 40);
  // Independent check of the base64: decode it back.
  std::string decoded;
  int val = 0, bits = -8;
  for (char c : url.substr(22)) {
    if (c == '=') break;
    const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    val = (val << 6) + static_cast<int>(digits.find(c));
    bits += 6;
    if (bits >= 0) {
      decoded.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  EXPECT_EQ(decoded, png);
}

TEST(RemoteModel, ASilentServerHitsTheReadTimeout) {
  ScriptedServer s([](int, const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content(sse_reply({"late"}), "text/event-stream");
  });
  RemoteModelOptions o = options_for(s);
  o.read_timeout_s = 0.3;
  o.connect_timeout_s = 0.2;
  o.retries = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e = error_of([&] { RemoteModel(o).chat(hello()); });
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(e.find("read timeout"), std::string::npos) << e;
  EXPECT_LT(sec, 1.0);
}

}  // namespace
}  // namespace lingbi

// `lingbi publish wechat` (issue 13 item 4) against a stand-in of WeChat's documented
// official-account API, started here: it checks methods, parameters, picture sizes and the order
// token → uploads → cover → draft, and answers errcodes when told to.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cpp-httplib/httplib.h"
#include "lingbi/article/article.h"
#include "lingbi/util/utf8.h"
#include "model_support.h"
#include "support/images.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kAppId = "wx0123456789abcdef";
constexpr const char* kSecret = "s3cret-never-shown";

size_t characters(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

// WeChat's API as its documentation describes it (cgi-bin/token, media/uploadimg,
// material/add_material, draft/add), with checks a real server makes and a log of the calls.
class WechatStandIn {
 public:
  WechatStandIn() : port_(test::free_port()) {
    server_.Get("/cgi-bin/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      calls_.push_back("token");
      if (auto e = forced("token")) return reply(res, *e);
      if (req.get_param_value("grant_type") != "client_credential") return error(res, 40002, "invalid grant_type");
      if (req.get_param_value("appid") != kAppId) return error(res, 40013, "invalid appid");
      if (req.get_param_value("secret") != kSecret) return error(res, 40125, "invalid appsecret");
      tokens_.push_back("TOKEN-" + std::to_string(tokens_.size() + 1));
      reply(res, {{"access_token", tokens_.back()}, {"expires_in", 7200}});
    });
    server_.Post("/cgi-bin/media/uploadimg", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      calls_.push_back("uploadimg");
      if (!token_ok(req, res) || !picture_ok(req, res)) return;
      if (auto e = forced("uploadimg")) return reply(res, *e);
      upload_sizes_.push_back(req.form.get_file("media").content.size());
      urls_.push_back("http://mmbiz.qpic.cn/mmbiz_jpg/standin" + std::to_string(urls_.size() + 1) + "/0?wx_fmt=jpeg");
      reply(res, {{"url", urls_.back()}});
    });
    server_.Post("/cgi-bin/material/add_material", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      calls_.push_back("add_material");
      if (req.get_param_value("type") != "image") return error(res, 40004, "invalid media type");
      if (!token_ok(req, res) || !picture_ok(req, res)) return;
      reply(res, {{"media_id", "COVER-1"}, {"url", "http://mmbiz.qpic.cn/cover/0"}});
    });
    server_.Post("/cgi-bin/draft/add", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      calls_.push_back("draft");
      if (!token_ok(req, res)) return;
      if (auto e = forced("draft")) return reply(res, *e);
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body["articles"].is_array() || body["articles"].size() != 1)
        return error(res, 44002, "empty post data");
      draft_ = body["articles"][0];
      if (draft_.value("thumb_media_id", "") != "COVER-1") return error(res, 40007, "invalid media_id");
      if (characters(draft_.value("title", "")) > 32) return error(res, 45003, "title size out of limit");
      const std::string content = draft_.value("content", "");
      if (characters(content) >= 20000 || content.size() >= 1024 * 1024) return error(res, 45002, "content size out of limit");
      reply(res, {{"media_id", "DRAFT-1"}});
    });
    thread_ = std::thread([this] { server_.listen("127.0.0.1", port_); });
    server_.wait_until_ready();
  }
  ~WechatStandIn() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void force(const std::string& call, json answer) {
    std::lock_guard lock(mutex_);
    forced_[call].push_back(std::move(answer));
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<size_t> upload_sizes() {
    std::lock_guard lock(mutex_);
    return upload_sizes_;
  }
  std::vector<std::string> urls() {
    std::lock_guard lock(mutex_);
    return urls_;
  }
  json draft() {
    std::lock_guard lock(mutex_);
    return draft_;
  }

 private:
  static void reply(httplib::Response& res, const json& j) { res.set_content(j.dump(), "application/json"); }
  static void error(httplib::Response& res, int code, const std::string& msg) {
    reply(res, {{"errcode", code}, {"errmsg", msg}});
  }
  // The next forced answer for `call`, used once.
  std::optional<json> forced(const std::string& call) {
    auto& queue = forced_[call];
    if (queue.empty()) return std::nullopt;
    json j = queue.front();
    queue.erase(queue.begin());
    return j;
  }
  bool token_ok(const httplib::Request& req, httplib::Response& res) {
    const std::string token = req.get_param_value("access_token");
    if (std::find(tokens_.begin(), tokens_.end(), token) != tokens_.end()) return true;
    error(res, 40001, "invalid credential, access_token is invalid or not latest");
    return false;
  }
  // One file in the form field "media": a JPEG or PNG under 1 MB.
  static bool picture_ok(const httplib::Request& req, httplib::Response& res) {
    if (!req.is_multipart_form_data() || !req.form.has_file("media")) {
      error(res, 41005, "media data missing");
      return false;
    }
    const std::string& bytes = req.form.get_file("media").content;
    const bool jpeg = bytes.rfind("\xFF\xD8\xFF", 0) == 0, png = bytes.rfind("\x89PNG", 0) == 0;
    if (!jpeg && !png) {
      error(res, 40005, "invalid file type");
      return false;
    }
    if (bytes.size() > 1024 * 1024) {
      error(res, 40009, "invalid image size");
      return false;
    }
    return true;
  }

  int port_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> calls_, tokens_, urls_;
  std::vector<size_t> upload_sizes_;
  std::map<std::string, std::vector<json>> forced_;
  json draft_;
};

// A port that accepts connections and closes them at once: a connection dropped mid-request.
class DroppingServer {
 public:
  DroppingServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this] {
      for (int c; (c = accept(fd_, nullptr, nullptr)) >= 0;) close(c);
    });
  }
  ~DroppingServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1, port_ = 0;
  std::thread thread_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class PublishWechat : public ::testing::Test {
 protected:
  void SetUp() override {
    // Colour noise saved as PNG: far over 2 MB, and over 1 MB even as a 1080 px JPEG.
    ensure_vips();
    auto noise = [] {
      return vips::VImage::gaussnoise(1400, 2600, vips::VImage::option()->set("sigma", 90.0)->set("mean", 128.0));
    };
    big = test::save(noise().bandjoin({noise(), noise()}).cast(VIPS_FORMAT_UCHAR), dir / "big.png");
    const std::string wide = test::save(test::gradient(2000, 500), dir / "wide.jpg");
    const std::string small = test::save(test::solid(300, 200, {40, 120, 200}), dir / "small.png");
    article.title = "城市的清晨";
    article.lang = "zh";
    article.sections = {{"街道", {"清晨的街道很安静，参见[规划](https://example.com/plan)。", "面包店开门了。"}},
                        {"河流", {"阳光照在河面上。"}}};
    auto slot = [](int after, const std::string& caption, const std::string& path) {
      return Slot{after, caption, "q", "bright", "", {{1, path, 0.3}}, Choice{1, path, ""}, "picked", "en"};
    };
    article.slots = {slot(0, "安静的街道", wide), slot(1, "噪点", big), slot(2, "河面", small)};
    save();
  }

  void save() {
    save_article(article, json_file);
    saved = read_file(json_file);
  }

  // Runs lingbi publish wechat; stdout and stderr together in `out`, stdout alone returned.
  std::string publish(const std::string& api, int& status, std::string& out, const std::string& extra = "") {
    const fs::path stdout_file = dir / "stdout.txt";
    out = test::run_capture("WECHAT_APPSECRET='" + std::string(kSecret) + "' LINGBI_CACHE_DIR='" + (dir / "cache").string() +
                                "' " + test::lingbi_program() + " publish wechat '" + json_file.string() + "' --appid " +
                                kAppId + " --wechat-api " + api + " " + extra + " 2>&1 >'" + stdout_file.string() + "'",
                            status);
    const std::string printed = read_file(stdout_file);
    out += printed;
    EXPECT_EQ(out.find(kSecret), std::string::npos) << "the secret was shown";
    EXPECT_EQ(read_file(json_file), saved) << "the article file changed";
    return printed;
  }

  // The messages of a publish that must fail with exit status 1.
  std::string failure(const std::string& api, const std::string& extra = "") {
    int status = 0;
    std::string out;
    publish(api, status, out, extra);
    EXPECT_EQ(status, 1) << out;
    return out;
  }

  test::TempDir dir;
  fs::path json_file = dir / "article.json";
  std::string big, saved;
  Article article;
};

TEST_F(PublishWechat, DraftHasEveryPictureAtTheUrlWechatGave) {
  WechatStandIn wechat;
  int status = 0;
  std::string out;
  EXPECT_EQ(publish(wechat.url(), status, out), "DRAFT-1\n") << out;
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(wechat.calls(), (std::vector<std::string>{"token", "uploadimg", "uploadimg", "uploadimg", "add_material", "draft"}));

  // The big picture went up re-encoded under 1 MB, like the others.
  EXPECT_GT(fs::file_size(big), 2u * 1024 * 1024);
  for (size_t size : wechat.upload_sizes()) EXPECT_LE(size, 1024u * 1024u);

  const json draft = wechat.draft();
  EXPECT_EQ(draft["title"], "城市的清晨");
  EXPECT_EQ(draft["thumb_media_id"], "COVER-1");
  const std::string content = draft["content"];
  EXPECT_EQ(content.find("data:"), std::string::npos);
  size_t last = 0;
  for (const std::string& url : wechat.urls()) {
    const size_t at = content.find("src=\"" + url + "\"");
    ASSERT_NE(at, std::string::npos) << url;
    EXPECT_GT(at, last) << "pictures out of order";
    last = at;
  }
  EXPECT_EQ(wechat.urls().size(), 3u);
  EXPECT_NE(content.find("[1] 规划: https://example.com/plan"), std::string::npos) << "the fragment's references";
  EXPECT_EQ(content.find("<style"), std::string::npos);

  // A second draft within the token's life reuses the cached token.
  EXPECT_EQ(publish(wechat.url(), status, out), "DRAFT-1\n") << out;
  const auto calls = wechat.calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "token"), 1) << "the token was not cached";
  const auto perms = fs::status(dir / "cache" / (std::string("wechat-token-") + kAppId + ".json")).permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << "the cached token is readable by others";
}

TEST_F(PublishWechat, OverLongFieldsAreNamedBeforeAnyRequest) {
  WechatStandIn wechat;
  article.title = "一个非常非常非常非常非常非常非常非常非常非常非常非常非常非常长的标题啊";
  ASSERT_GT(characters(article.title), 32u);
  save();
  const std::string author = "An author whose name is too long";
  const std::string out = failure(wechat.url(), "--author '" + author + "'");
  EXPECT_NE(out.find("the title has " + std::to_string(characters(article.title)) + " characters, WeChat takes 32"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("the author (--author) has " + std::to_string(author.size()) + " characters, WeChat takes 16"),
            std::string::npos)
      << out;
  EXPECT_TRUE(wechat.calls().empty()) << "a request was made";
}

TEST_F(PublishWechat, Errcode40164SaysWhatToDo) {
  WechatStandIn wechat;
  wechat.force("token", {{"errcode", 40164}, {"errmsg", "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist"}});
  const std::string out = failure(wechat.url());
  EXPECT_NE(out.find("errcode 40164 (invalid ip 203.0.113.7"), std::string::npos) << out;
  EXPECT_NE(out.find("IP白名单"), std::string::npos) << out;
  EXPECT_EQ(wechat.calls(), std::vector<std::string>{"token"});
}

TEST_F(PublishWechat, AnExpiredTokenIsFetchedAgainOnce) {
  WechatStandIn wechat;
  wechat.force("uploadimg", {{"errcode", 42001}, {"errmsg", "access_token expired"}});
  int status = 0;
  std::string out;
  EXPECT_EQ(publish(wechat.url(), status, out), "DRAFT-1\n") << out;
  const auto calls = wechat.calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "token"), 2);
  EXPECT_EQ(wechat.urls().size(), 3u);
}

TEST_F(PublishWechat, AnErrorAtTheDraftAndADroppedConnectionAreClear) {
  {
    WechatStandIn wechat;
    wechat.force("draft", {{"errcode", 45009}, {"errmsg", "reach max api daily quota limit"}});
    const std::string out = failure(wechat.url());
    EXPECT_NE(out.find("creating the draft: WeChat answered errcode 45009"), std::string::npos) << out;
    EXPECT_NE(out.find("quota"), std::string::npos) << out;
  }
  // The token from the run above is cached, so the first request to go is a picture's upload.
  DroppingServer dropping;
  const std::string out = failure(dropping.url());
  EXPECT_NE(out.find("uploading picture picture-1.jpg: no answer"), std::string::npos) << out;
  EXPECT_NE(out.find("--wechat-api"), std::string::npos) << out;
}

TEST_F(PublishWechat, TheSecretComesOnlyFromTheEnvironment) {
  int status = 0;
  const std::string out = test::run_capture("env -u WECHAT_APPSECRET " + test::lingbi_program() + " publish wechat '" +
                                                json_file.string() + "' --appid x --wechat-api http://127.0.0.1:9 2>&1",
                                            status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("environment variable WECHAT_APPSECRET, which is not set"), std::string::npos) << out;
}

}  // namespace
}  // namespace lingbi

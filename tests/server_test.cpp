// `lingbi serve` over real HTTP (issue 11): the real program on a free port with the tiny models
// and a generated gallery; a client no one here wrote (cpp-httplib's) drives it. Jobs from POST to
// job.completed through their events, pictures by id, edits with revisions, undo and redo,
// exports, cancel and resume, event replay with Last-Event-ID, and hostile requests that each get
// their status while nothing changes on disk.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cpp-httplib/httplib.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "model_support.h"
#include "support/compose_fixture.h"
#include "support/process.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace lingbi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Event {
  int64_t id = 0;
  std::string type;
  json data;
};

// Parses server-sent events ("id: N\nevent: T\ndata: JSON\n\n"; comment lines start with ':').
std::vector<Event> parse_events(const std::string& text) {
  std::vector<Event> out;
  Event e;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (!e.type.empty()) out.push_back(e);
      e = Event{};
    } else if (line.rfind("id: ", 0) == 0) {
      e.id = std::stoll(line.substr(4));
    } else if (line.rfind("event: ", 0) == 0) {
      e.type = line.substr(7);
    } else if (line.rfind("data: ", 0) == 0) {
      e.data = json::parse(line.substr(6));
    }
  }
  return out;
}

// The flags that give `lingbi serve` the gallery and the tiny CLIP, then `extra`.
std::string gallery_flags(const ComposeGallery& gallery, const std::string& extra = "") {
  return "--gallery " + (gallery.dir.path() / "gallery").string() + " --clip " +
         (tiny_models() / "clip.gguf").string() + " " + extra;
}

std::string submit(httplib::Client& c, const json& request) {
  auto r = c.Post("/v1/jobs", request.dump(), "application/json");
  EXPECT_TRUE(r);
  if (!r) return "";
  EXPECT_EQ(r->status, 202) << r->body;
  return json::parse(r->body).value("id", "");
}

// Every event of a job from `after` on, read until the stream ends (the job finished).
std::vector<Event> follow(httplib::Client& c, const std::string& job, int64_t after = 0) {
  std::string text;
  httplib::Headers headers;
  if (after > 0) headers.emplace("Last-Event-ID", std::to_string(after));
  auto r = c.Get("/v1/jobs/" + job + "/events", headers, [&](const char* data, size_t n) {
    text.append(data, n);
    return true;
  });
  EXPECT_TRUE(r);
  if (r) {
    EXPECT_EQ(r->status, 200);
  }
  return parse_events(text);
}

// Every file under `dir` with its content, once two looks 200 ms apart agree (a finished job's
// record may still be being written when its last event arrives).
std::map<std::string, std::string> files_under(const fs::path& dir) {
  const auto look = [&] {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename().string().find(".tmp-") != std::string::npos) continue;
      std::ifstream in(e.path(), std::ios::binary);
      files[e.path().string()] =
          std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    return files;
  };
  auto files = look();
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto again = look();
    if (again == files) break;
    files = std::move(again);
  }
  return files;
}

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gallery_ = new ComposeGallery(24); }
  static void TearDownTestSuite() {
    delete gallery_;
    gallery_ = nullptr;
  }
  void SetUp() override {
    server_ = std::make_unique<Server>(dir_.path() / "articles", gallery_flags(*gallery_));
    ASSERT_GT(server_->port(), 0) << "lingbi serve did not start";
    http_ = server_->client();
  }
  // A composed article (2 pictures) and its id.
  std::string compose(int words = 150, int images = 2) {
    const std::string job = submit(*http_, {{"type", "compose"},
                                            {"instruction", "Sunsets by the sea"},
                                            {"words", words},
                                            {"images", images},
                                            {"seed", 5}});
    const std::vector<Event> events = follow(*http_, job);
    EXPECT_FALSE(events.empty());
    if (events.empty()) return "";
    EXPECT_EQ(events.back().type, "job.completed") << events.back().data.dump();
    return events.back().data["result"].value("article", "");
  }

  // A compose long enough to be stopped mid-write (1,200 words, 2 pictures).
  std::string submit_long_compose(int seed) {
    return submit(*http_, {{"type", "compose"},
                           {"instruction", "A long history of tea"},
                           {"words", 1200},
                           {"images", 2},
                           {"seed", seed}});
  }
  // A resume job on the interrupted article `id` completes it: revision 1 with its 2 pictures,
  // the sections written before the interruption kept as they were in `partial`.
  void resume_completes(const std::string& id, const json& partial) {
    const std::vector<Event> resumed = follow(*http_, submit(*http_, {{"type", "resume"}, {"article", id}}));
    ASSERT_FALSE(resumed.empty());
    ASSERT_EQ(resumed.back().type, "job.completed") << resumed.back().data.dump();
    const json done = body_of(http_->Get("/v1/articles/" + id));
    EXPECT_FALSE(done["partial"].get<bool>());
    EXPECT_EQ(done["revision"], 1);
    EXPECT_EQ(done["article"]["slots"].size(), 2u);
    EXPECT_EQ(done["article"]["sections"][0], partial["article"]["sections"][0]);
  }

  static ComposeGallery* gallery_;
  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> http_;
};
ComposeGallery* ServeTest::gallery_ = nullptr;

TEST_F(ServeTest, AComposeJobGoesFromPostToCompletedThroughItsEvents) {
  const std::string job = submit(*http_, {{"type", "compose"},
                                          {"instruction", "Sunsets by the sea"},
                                          {"words", 150},
                                          {"images", 2},
                                          {"seed", 5}});
  const std::vector<Event> events = follow(*http_, job);
  ASSERT_FALSE(events.empty());
  std::map<std::string, int> count;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, static_cast<int64_t>(i) + 1) << "event ids count up without a gap";
    ++count[events[i].type];
  }
  EXPECT_EQ(events.front().type, "job.queued");
  EXPECT_EQ(count["plan"], 1);
  EXPECT_GE(count["section.done"], 1);
  EXPECT_GE(count["section.delta"], 10);
  EXPECT_EQ(count["slot.planned"], 2);
  EXPECT_EQ(count["slot.candidates"], 2);
  EXPECT_EQ(count["slot.chosen"], 2);
  ASSERT_EQ(events.back().type, "job.completed") << events.back().data.dump();
  const std::string id = events.back().data["result"]["article"];
  EXPECT_EQ(events.back().data["result"]["revision"], 1);

  const json status = body_of(http_->Get("/v1/jobs/" + job));
  EXPECT_EQ(status["status"], "completed");
  EXPECT_EQ(status["result"]["article"], id);

  auto got = http_->Get("/v1/articles/" + id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->get_header_value("ETag"), "\"1\"");
  const json article = json::parse(got->body);
  EXPECT_EQ(article["revision"], 1);
  EXPECT_FALSE(article["partial"].get<bool>());
  ASSERT_EQ(article["article"]["slots"].size(), 2u);
  for (const json& slot : article["article"]["slots"]) {
    const int64_t image = slot["chosen"]["image_id"];
    auto original = http_->Get("/v1/images/" + std::to_string(image));
    ASSERT_TRUE(original);
    EXPECT_EQ(original->status, 200);
    EXPECT_EQ(original->get_header_value("Content-Type").rfind("image/", 0), 0u);
    EXPECT_GT(original->body.size(), 100u);
    auto thumb = http_->Get("/v1/images/" + std::to_string(image) + "?w=32");
    ASSERT_TRUE(thumb);
    EXPECT_EQ(thumb->status, 200);
    EXPECT_EQ(thumb->get_header_value("Content-Type"), "image/jpeg");
    ASSERT_GT(thumb->body.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(thumb->body[0]), 0xFF);  // a JPEG
    EXPECT_EQ(static_cast<unsigned char>(thumb->body[1]), 0xD8);
    auto again = http_->Get("/v1/images/" + std::to_string(image) + "?w=32",
                            httplib::Headers{{"If-None-Match", thumb->get_header_value("ETag")}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304);
  }
  const json listed = body_of(http_->Get("/v1/articles"));
  ASSERT_EQ(listed["data"].size(), 1u);
  EXPECT_EQ(listed["data"][0]["id"], id);
  EXPECT_EQ(listed["data"][0]["revision"], 1);
}

TEST_F(ServeTest, SearchesTheGalleryByTextAndByExample) {
  const json info = body_of(http_->Get("/v1/gallery"));
  EXPECT_EQ(info["images"], 24);
  const json by_text = body_of(http_->Get("/v1/search?q=a%20red%20circle&k=5"));
  ASSERT_EQ(by_text["data"].size(), 5u);
  for (size_t i = 1; i < 5; ++i) EXPECT_GE(by_text["data"][i - 1]["score"], by_text["data"][i]["score"]);
  const int64_t example = by_text["data"][0]["id"];
  const json by_example =
      body_of(http_->Post("/v1/search", json{{"image_id", example}, {"k", 5}}.dump(), "application/json"));
  ASSERT_EQ(by_example["data"].size(), 5u);
  for (const json& hit : by_example["data"]) {
    EXPECT_NE(hit["id"], example) << "the example itself is not a result";
    EXPECT_EQ(hit["url"], "/v1/images/" + std::to_string(hit["id"].get<int64_t>()));
    EXPECT_FALSE(hit.contains("path"));
  }
  auto unknown = http_->Post("/v1/search", R"({"image_id": 987654})", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto bad_k = http_->Get("/v1/search?q=sea&k=1000");
  ASSERT_TRUE(bad_k);
  EXPECT_EQ(bad_k->status, 400);
}

TEST_F(ServeTest, ReconnectingWithLastEventIdGivesTheRestWithNoGapAndNoDuplicate) {
  const std::string job = submit(
      *http_, {{"type", "compose"}, {"instruction", "Rivers"}, {"words", 120}, {"images", 1}, {"seed", 9}});
  const std::vector<Event> all = follow(*http_, job);
  ASSERT_GT(all.size(), 25u);
  const std::vector<Event> rest = follow(*http_, job, 20);
  ASSERT_EQ(rest.size(), all.size() - 20);
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].id, all[20 + i].id);
    EXPECT_EQ(rest[i].type, all[20 + i].type);
    EXPECT_EQ(rest[i].data, all[20 + i].data);
  }
}

TEST_F(ServeTest, EditsAreJobsAStaleRevisionIs409AndUndoRedoMoveBetweenRevisions) {
  const std::string id = compose(500, 2);  // paragraphs enough for a third picture
  ASSERT_FALSE(id.empty());
  const auto edit = [&](json request) {
    request["type"] = "edit";
    request["article"] = id;
    const std::vector<Event> events = follow(*http_, submit(*http_, request));
    EXPECT_FALSE(events.empty());
    if (events.empty()) return json();
    EXPECT_EQ(events.back().type, "job.completed") << events.back().data.dump();
    return events.back().data["result"];
  };
  EXPECT_EQ(edit({{"op", "rewrite"}, {"paragraph", 0}, {"how", "shorter"}, {"base_revision", 1}})["revision"],
            2);

  auto stale = http_->Post(
      "/v1/jobs",
      json{{"type", "edit"}, {"article", id}, {"op", "remove-slot"}, {"slot", 0}, {"base_revision", 1}}
          .dump(),
      "application/json");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409);
  EXPECT_EQ(json::parse(stale->body)["current_revision"], 2);

  // Swap slot 0 to a candidate no slot uses. A candidate another slot shows is refused (a picture
  // is used once), and the job's error says so without naming the file.
  const json before = body_of(http_->Get("/v1/articles/" + id))["article"];
  std::set<int64_t> elsewhere;
  for (size_t i = 1; i < before["slots"].size(); ++i)
    elsewhere.insert(before["slots"][i]["chosen"]["image_id"].get<int64_t>());
  const int64_t own = before["slots"][0]["chosen"]["image_id"];
  std::string free_letter, taken_letter;
  for (size_t i = 0; i < before["slots"][0]["candidates"].size(); ++i) {
    const int64_t image = before["slots"][0]["candidates"][i]["image_id"];
    const std::string letter(1, static_cast<char>('A' + i));
    if (elsewhere.count(image)) {
      taken_letter = letter;
    } else if (image != own) {
      free_letter = letter;
    }
  }
  ASSERT_FALSE(free_letter.empty());
  if (!taken_letter.empty()) {
    const std::vector<Event> refused = follow(*http_, submit(*http_, {{"type", "edit"},
                                                                      {"article", id},
                                                                      {"op", "swap"},
                                                                      {"slot", 0},
                                                                      {"letter", taken_letter},
                                                                      {"base_revision", 2}}));
    ASSERT_FALSE(refused.empty());
    EXPECT_EQ(refused.back().type, "job.failed");
    const std::string error = refused.back().data.value("error", "");
    EXPECT_NE(error.find("used once"), std::string::npos) << error;
    EXPECT_EQ(error.find(gallery_->dir.path().string()), std::string::npos)
        << "a job's error shows no path: " << error;
    EXPECT_EQ(body_of(http_->Get("/v1/articles/" + id))["revision"], 2) << "a failed edit writes no revision";
  }
  const int after_refused = 2;
  EXPECT_EQ(edit({{"op", "swap"},
                  {"slot", 0},
                  {"letter", free_letter},
                  {"base_revision", after_refused}})["revision"],
            after_refused + 1);
  int r = after_refused + 1;
  EXPECT_EQ(edit({{"op", "research"},
                  {"slot", 1},
                  {"caption", "a quiet harbour"},
                  {"query", "harbour at dusk"},
                  {"base_revision", r}})["revision"],
            r + 1);
  ++r;
  // add-slot after a paragraph that has no picture yet.
  const json now = body_of(http_->Get("/v1/articles/" + id))["article"];
  std::set<int> taken;
  for (const json& slot : now["slots"]) taken.insert(slot["after_paragraph"].get<int>());
  int free_paragraph = 0;
  while (taken.count(free_paragraph)) ++free_paragraph;
  size_t paragraphs = 0;
  for (const json& section : now["sections"]) paragraphs += section["paragraphs"].size();
  ASSERT_LT(static_cast<size_t>(free_paragraph), paragraphs);
  EXPECT_EQ(edit({{"op", "add-slot"},
                  {"after", free_paragraph},
                  {"caption", "boats"},
                  {"query", "boats"},
                  {"base_revision", r}})["revision"],
            r + 1);
  ++r;
  EXPECT_EQ(edit({{"op", "remove-slot"}, {"slot", 0}, {"base_revision", r}})["revision"], r + 1);
  ++r;
  const size_t edits = body_of(http_->Get("/v1/articles/" + id))["article"]["edits"].size();
  EXPECT_EQ(edits, static_cast<size_t>(r - 1)) << "one edit recorded per revision after the first";

  EXPECT_EQ(body_of(http_->Post("/v1/articles/" + id + "/undo"))["revision"], r - 1);
  EXPECT_EQ(body_of(http_->Post("/v1/articles/" + id + "/undo"))["revision"], r - 2);
  EXPECT_EQ(body_of(http_->Post("/v1/articles/" + id + "/redo"))["revision"], r - 1);
  EXPECT_EQ(body_of(http_->Get("/v1/articles/" + id))["article"]["edits"].size(), edits - 1);
  // An edit after an undo starts a new line: nothing left to redo, and no revision is lost.
  EXPECT_EQ(edit({{"op", "remove-slot"}, {"slot", 0}, {"base_revision", r - 1}})["revision"], r + 1);
  auto redo = http_->Post("/v1/articles/" + id + "/redo");
  ASSERT_TRUE(redo);
  EXPECT_EQ(redo->status, 409);
  EXPECT_EQ(body_of(http_->Get("/v1/articles/" + id + "/revisions"))["data"].size(),
            static_cast<size_t>(r + 1));
  EXPECT_EQ(body_of(http_->Get("/v1/articles/" + id + "/revisions/" + std::to_string(r)))["revision"], r);
}

TEST_F(ServeTest, ExportsHtmlZipAndJson) {
  const std::string id = compose();
  ASSERT_FALSE(id.empty());
  const json article = body_of(http_->Get("/v1/articles/" + id))["article"];
  auto html = http_->Get("/v1/articles/" + id + "/export?format=html");
  ASSERT_TRUE(html);
  EXPECT_EQ(html->status, 200);
  EXPECT_EQ(html->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html->body.find("<html"), std::string::npos);
  EXPECT_EQ(std::count(html->body.begin(), html->body.end(), '\0'), 0);
  size_t pictures = 0;
  for (size_t at = html->body.find("data:image/jpeg;base64,"); at != std::string::npos;
       at = html->body.find("data:image/jpeg;base64,", at + 1))
    ++pictures;
  EXPECT_EQ(pictures, article["slots"].size());
  auto exported = http_->Get("/v1/articles/" + id + "/export?format=json");
  ASSERT_TRUE(exported);
  EXPECT_EQ(json::parse(exported->body), article);
  // The zip, read back by Info-ZIP's unzip: the Markdown and one picture per slot beside it.
  auto zip = http_->Get("/v1/articles/" + id + "/export?format=zip");
  ASSERT_TRUE(zip);
  EXPECT_EQ(zip->status, 200);
  EXPECT_EQ(zip->get_header_value("Content-Type"), "application/zip");
  const std::string name = "article-" + id + "-r1";
  const fs::path file = dir_.path() / "export.zip";
  {
    std::ofstream out(file, std::ios::binary);
    out << zip->body;
  }
  int status = 0;
  const std::string listing = run_capture("unzip -Z1 " + file.string(), status);
  EXPECT_EQ(status, 0) << listing;
  EXPECT_NE(listing.find(name + ".md\n"), std::string::npos) << listing;
  size_t assets = 0;
  for (size_t at = listing.find(name + "_assets/"); at != std::string::npos;
       at = listing.find(name + "_assets/", at + 1))
    assets +=
        listing.compare(at, listing.find('\n', at) - at, name + "_assets/") != 0;  // files, not the folder
  EXPECT_EQ(assets, article["slots"].size()) << listing;
  const std::string md = run_capture("unzip -p " + file.string() + " " + name + ".md", status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(md.rfind("# ", 0), 0u);
  // Every picture the Markdown links is in the zip.
  size_t links = 0;
  for (size_t at = md.find("(<" + name + "_assets/"); at != std::string::npos;
       at = md.find("(<" + name + "_assets/", at + 1)) {
    const std::string target = md.substr(at + 2, md.find('>', at) - at - 2);
    EXPECT_NE(listing.find(target + "\n"), std::string::npos) << target;
    ++links;
  }
  EXPECT_EQ(links, article["slots"].size()) << md;

  auto other = http_->Get("/v1/articles/" + id + "/export?format=pdf");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 400);
}

TEST_F(ServeTest, CancelMidWriteKeepsThePartialArticleAndAResumeJobCompletesIt) {
  const std::string job = submit_long_compose(11);
  std::string text;
  bool cancelled = false;
  std::chrono::steady_clock::time_point cancel_at;
  http_->Get("/v1/jobs/" + job + "/events", [&](const char* data, size_t n) {
    text.append(data, n);
    if (!cancelled && text.find("event: section.done") != std::string::npos) {
      auto second = server_->client();
      auto r = second->Post("/v1/jobs/" + job + "/cancel");
      EXPECT_TRUE(r && r->status == 200);
      cancelled = true;
      cancel_at = std::chrono::steady_clock::now();
    }
    return true;
  });
  ASSERT_TRUE(cancelled) << "the job finished before its first section was done";
  const std::vector<Event> events = parse_events(text);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "job.cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - cancel_at, std::chrono::seconds(5));
  const json status = body_of(http_->Get("/v1/jobs/" + job));
  EXPECT_EQ(status["status"], "cancelled");
  const std::string id = status["progress"]["article"];
  // Cancel is idempotent.
  auto again = http_->Post("/v1/jobs/" + job + "/cancel");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  const json partial = body_of(http_->Get("/v1/articles/" + id));
  EXPECT_TRUE(partial["partial"].get<bool>());
  EXPECT_EQ(partial["revision"], 0);
  EXPECT_GE(partial["article"]["sections"].size(), 1u);
  EXPECT_TRUE(partial["article"]["progress"].is_object());

  resume_completes(id, partial);
}

TEST_F(ServeTest, KillNineMidComposeThenARestartedServerShowsTheJobFailedAndAResumeCompletesIt) {
  const std::string job = submit_long_compose(13);
  std::string text;
  bool killed = false;
  http_->Get("/v1/jobs/" + job + "/events", [&](const char* data, size_t n) {
    text.append(data, n);
    if (text.find("event: section.done") == std::string::npos) return true;
    server_->child().signal(SIGKILL);
    killed = true;
    return false;
  });
  ASSERT_TRUE(killed) << "the job finished before its first section was done";
  EXPECT_EQ(server_->child().wait(), 128 + SIGKILL);

  server_ = std::make_unique<Server>(dir_.path() / "articles", gallery_flags(*gallery_));  // the same store
  ASSERT_GT(server_->port(), 0) << "lingbi serve did not start again";
  http_ = server_->client();
  const json status = body_of(http_->Get("/v1/jobs/" + job));
  EXPECT_EQ(status["status"], "failed");
  const std::string error = status.value("error", "");
  EXPECT_NE(error.find("resume"), std::string::npos) << error;
  const std::string id = status["progress"]["article"];
  const std::vector<Event> replay = follow(*http_, job);
  ASSERT_FALSE(replay.empty());
  EXPECT_EQ(replay.back().type, "job.failed");

  const json listed = body_of(http_->Get("/v1/articles"));
  ASSERT_EQ(listed["data"].size(), 1u);
  EXPECT_EQ(listed["data"][0]["id"], id);
  const json partial = body_of(http_->Get("/v1/articles/" + id));
  EXPECT_TRUE(partial["partial"].get<bool>());
  EXPECT_GE(partial["article"]["sections"].size(), 1u);

  resume_completes(id, partial);
}

// Sends raw bytes and returns the status line's code.
int raw_status(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buf[256] = {};
  const ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  if (n < 12) return -1;
  return std::atoi(buf + 9);  // "HTTP/1.1 413 ..."
}

TEST_F(ServeTest, HostileRequestsGetTheirStatusAndNothingChangesOnDisk) {
  const std::string id = compose(120, 1);
  ASSERT_FALSE(id.empty());
  const fs::path articles = dir_.path() / "articles";
  const auto files = files_under(articles);
  const auto status = [&](const httplib::Result& r) { return r ? r->status : -1; };

  for (const std::string& path :
       std::vector<std::string>{"/v1/images/../../etc/passwd", "/v1/images/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                                "/v1/images/%2Fetc%2Fpasswd", "/v1/images/99999999999999999999999999",
                                "/v1/images/-1", "/v1/articles/..%2f..%2f", "/v1/articles/%2e%2e",
                                "/v1/articles/" + id + "%2f..%2f..", "/v1/jobs/..%2fjobs"}) {
    auto r = http_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path << ": " << r->body;
    EXPECT_EQ(r->body.find("/etc"), std::string::npos) << "no error shows a path: " << r->body;
    EXPECT_EQ(r->body.find(gallery_->dir.path().string()), std::string::npos) << r->body;
  }
  EXPECT_EQ(status(http_->Delete("/v1/articles/..%2f..%2f")), 404);
  EXPECT_EQ(status(http_->Post("/v1/jobs", "{bad json", "application/json")), 400);
  EXPECT_EQ(status(http_->Post("/v1/jobs", "[1,2]", "application/json")), 400);
  EXPECT_EQ(status(http_->Post("/v1/jobs", R"({"type":"compose","instruction":"x"})", "text/plain")), 415);
  auto field =
      http_->Post("/v1/jobs", R"({"type":"compose","instruction":"x","words":"many"})", "application/json");
  ASSERT_TRUE(field);
  EXPECT_EQ(field->status, 400);
  EXPECT_NE(field->body.find("words"), std::string::npos) << field->body;
  EXPECT_EQ(status(http_->Post("/v1/jobs",
                               R"({"type":"edit","article":"nosucharticl","op":"swap","base_revision":1})",
                               "application/json")),
            404);
  EXPECT_EQ(status(http_->Post("/v1/jobs", std::string(2 << 20, ' '), "application/json")), 413);
  // 100 MB announced: refused before it is read.
  EXPECT_EQ(raw_status(server_->port(),
                       "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Content-Length: 104857600\r\n\r\n{"),
            413);
  EXPECT_EQ(status(http_->Get("/v1/articles", httplib::Headers{{"Host", "evil.example"}})), 403);
  EXPECT_EQ(raw_status(server_->port(), "GET /v1/articles HTTP/1.1\r\nHost: evil.example:80\r\n\r\n"), 403);

  EXPECT_EQ(files_under(articles), files) << "a refused request changed the article store";
  const json article = body_of(http_->Get("/v1/articles/" + id));
  EXPECT_EQ(article["revision"], 1);
}

TEST_F(ServeTest, AFullQueueAnswers503WithRetryAfter) {
  server_.reset();
  server_ = std::make_unique<Server>(dir_.path() / "articles", gallery_flags(*gallery_, "--max-queue 2"));
  ASSERT_GT(server_->port(), 0);
  http_ = server_->client();
  std::vector<std::string> jobs;
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    auto r =
        http_->Post("/v1/jobs", json{{"type", "compose"}, {"instruction", "Tea"}, {"words", 1500}}.dump(),
                    "application/json");
    ASSERT_TRUE(r);
    if (r->status == 202) {
      jobs.push_back(json::parse(r->body)["id"]);
    } else {
      EXPECT_EQ(r->status, 503) << r->body;
      EXPECT_FALSE(r->get_header_value("Retry-After").empty());
      ++refused;
    }
  }
  EXPECT_LE(jobs.size(), 3u) << "one running and --max-queue 2 waiting";
  EXPECT_GE(refused, 37);
  for (const std::string& job : jobs) http_->Post("/v1/jobs/" + job + "/cancel");
}

TEST_F(ServeTest, AnApiKeyIsRequiredWhenGivenAndHealthStaysPublic) {
  server_.reset();
  server_ = std::make_unique<Server>(dir_.path() / "articles", gallery_flags(*gallery_, "--api-key s3cret-key"));
  ASSERT_GT(server_->port(), 0);
  const auto status = [&](const httplib::Headers& headers, const std::string& path) {
    auto r = server_->client(headers)->Get(path);
    return r ? r->status : -1;
  };
  EXPECT_EQ(status({}, "/v1/articles"), 401);
  EXPECT_EQ(status({}, "/health"), 200);
  EXPECT_EQ(status({{"Authorization", "Bearer wrong-key!"}}, "/v1/articles"), 401);
  EXPECT_EQ(status({{"Authorization", "Bearer s3cret-ke"}}, "/v1/articles"), 401);
  EXPECT_EQ(status({{"Authorization", "Bearer s3cret-key"}}, "/v1/articles"), 200);
  EXPECT_EQ(status({{"X-Api-Key", "s3cret-key"}}, "/v1/articles"), 200);
}

TEST(Serve, RefusesAnAddressBeyondLoopbackWithoutAKey) {
  int status = 0;
  const fs::path models = tiny_models();
  const std::string out = run_capture(lingbi_program() + " serve -m " + (models / "llm.gguf").string() +
                                          " --host 0.0.0.0 --port 0 --articles /nonexistent/never 2>&1",
                                      status);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("without an API key"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists("/nonexistent/never"));
}

}  // namespace
}  // namespace lingbi::test

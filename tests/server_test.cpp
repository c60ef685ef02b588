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
#include <future>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/model/local_model.h"
#include "lingbi/server/server.h"
#include "model_support.h"
#include "server/thumbnail_cache.h"
#include "support/compose_fixture.h"
#include "support/images.h"
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

// How many times `needle` occurs in `text`.
size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
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
  // A paragraph written after paragraph 0, then deleted again: the text is as it was.
  const json sections = body_of(http_->Get("/v1/articles/" + id))["article"]["sections"];
  auto unplaced = http_->Post("/v1/jobs",
                              json{{"type", "edit"},
                                   {"article", id},
                                   {"op", "insert-paragraph"},
                                   {"instruction", "x"},
                                   {"base_revision", r}}
                                  .dump(),
                              "application/json");
  ASSERT_TRUE(unplaced);
  EXPECT_EQ(unplaced->status, 400);
  EXPECT_NE(unplaced->body.find("before, after"), std::string::npos) << unplaced->body;
  // The new paragraph is either written from an instruction or given as text, not both.
  auto both = http_->Post("/v1/jobs",
                          json{{"type", "edit"},
                               {"article", id},
                               {"op", "insert-paragraph"},
                               {"after", 0},
                               {"instruction", "x"},
                               {"text", "y"},
                               {"base_revision", r}}
                              .dump(),
                          "application/json");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->status, 400);
  EXPECT_NE(both->body.find("instruction, text: give one of them"), std::string::npos) << both->body;
  EXPECT_EQ(edit({{"op", "insert-paragraph"},
                  {"after", 0},
                  {"instruction", "How the harbour sounds at night"},
                  {"base_revision", r}})["revision"],
            r + 1);
  ++r;
  const json inserted = body_of(http_->Get("/v1/articles/" + id))["article"]["sections"];
  EXPECT_EQ(inserted[0]["paragraphs"].size(), sections[0]["paragraphs"].size() + 1);
  EXPECT_EQ(inserted[0]["paragraphs"][0], sections[0]["paragraphs"][0]);
  EXPECT_EQ(edit({{"op", "delete-paragraph"}, {"paragraph", 1}, {"base_revision", r}})["revision"], r + 1);
  ++r;
  EXPECT_EQ(body_of(http_->Get("/v1/articles/" + id))["article"]["sections"], sections);
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

TEST_F(ServeTest, ExportsHtmlMarkdownZipJsonWechatAndDocx) {
  const std::string id = compose();
  ASSERT_FALSE(id.empty());
  const json article = body_of(http_->Get("/v1/articles/" + id))["article"];
  auto html = http_->Get("/v1/articles/" + id + "/export?format=html");
  ASSERT_TRUE(html);
  EXPECT_EQ(html->status, 200);
  EXPECT_EQ(html->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html->body.find("<html"), std::string::npos);
  EXPECT_EQ(std::count(html->body.begin(), html->body.end(), '\0'), 0);
  EXPECT_EQ(occurrences(html->body, "data:image/jpeg;base64,"), article["slots"].size());
  auto exported = http_->Get("/v1/articles/" + id + "/export?format=json");
  ASSERT_TRUE(exported);
  // The JSON export is the article file itself, as `lingbi render` and `lingbi edit` read it: with
  // its pictures' paths, which the API's own answers leave out.
  const json saved = json::parse(exported->body);
  EXPECT_EQ(saved["sections"], article["sections"]);
  ASSERT_EQ(saved["slots"].size(), article["slots"].size());
  for (size_t i = 0; i < saved["slots"].size(); ++i) {
    EXPECT_TRUE(fs::exists(saved["slots"][i]["chosen"]["path"].get<std::string>()));
    EXPECT_FALSE(article["slots"][i]["chosen"].contains("path"));
  }
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

  // Markdown alone: its pictures linked at this server, each one there.
  auto alone = http_->Get("/v1/articles/" + id + "/export?format=md");
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->status, 200);
  EXPECT_EQ(alone->get_header_value("Content-Type"), "text/markdown; charset=utf-8");
  const std::string base = "(<http://127.0.0.1:" + std::to_string(server_->port());
  size_t linked = 0;
  for (size_t at = alone->body.find(base); at != std::string::npos; at = alone->body.find(base, at + 1)) {
    const std::string path = alone->body.substr(at + base.size(), alone->body.find('>', at) - at - base.size());
    EXPECT_EQ(path.rfind("/v1/images/", 0), 0u) << path;
    auto picture = http_->Get(path);
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->status, 200) << path;
    ++linked;
  }
  EXPECT_EQ(linked, article["slots"].size()) << alone->body;

  // The publishing formats: a WeChat fragment with its pictures embedded and no style sheet, and
  // a Word document (a zip with word/document.xml, read back by unzip).
  auto wechat = http_->Get("/v1/articles/" + id + "/export?format=wechat");
  ASSERT_TRUE(wechat);
  EXPECT_EQ(wechat->status, 200);
  EXPECT_EQ(wechat->body.find("<style"), std::string::npos);
  EXPECT_EQ(occurrences(wechat->body, "src=\"data:image/jpeg;base64,"), article["slots"].size());
  auto docx = http_->Get("/v1/articles/" + id + "/export?format=docx");
  ASSERT_TRUE(docx);
  EXPECT_EQ(docx->status, 200);
  EXPECT_EQ(docx->get_header_value("Content-Type"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  const fs::path word = dir_.path() / "export.docx";
  {
    std::ofstream out(word, std::ios::binary);
    out << docx->body;
  }
  const std::string parts = run_capture("unzip -Z1 " + word.string(), status);
  EXPECT_EQ(status, 0) << parts;
  EXPECT_NE(parts.find("word/document.xml\n"), std::string::npos) << parts;
  EXPECT_EQ(occurrences(parts, "word/media/"), article["slots"].size()) << parts;

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
  auto context = http_->Post(
      "/v1/jobs", R"({"type":"compose","instruction":"x","select_context":"chapter"})", "application/json");
  ASSERT_TRUE(context);
  EXPECT_EQ(context->status, 400);
  EXPECT_NE(context->body.find("select_context: expected passage or article"), std::string::npos) << context->body;
  EXPECT_EQ(status(http_->Post("/v1/jobs",
                               R"({"type":"edit","article":"nosucharticl","op":"swap","base_revision":1})",
                               "application/json")),
            404);
  // 2 MB announced: refused from the headers, before the body comes.
  EXPECT_EQ(raw_status(server_->port(), "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                        "Content-Length: 2097152\r\n\r\n "),
            413);
  // GET /health says the limits, so that a client (the studio page) can refuse a body before
  // sending it: the server answers 413 and closes while the body is still arriving, and a client
  // that sends it whole can meet the reset instead of the answer.
  const json health = body_of(http_->Get("/health"));
  EXPECT_EQ(health["limits"], json({{"body", 1 << 20}, {"upload", 32 << 20}, {"chat_body", 20 << 20}})) << health;
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

// The bytes of a picture made with libvips (by extension: ".png", ".jpg", ...).
std::string picture_bytes(const vips::VImage& img, const char* extension) {
  void* buf = nullptr;
  size_t size = 0;
  img.write_to_buffer(extension, &buf, &size);
  std::string bytes(static_cast<const char*>(buf), size);
  g_free(buf);
  return bytes;
}

TEST_F(ServeTest, UploadsArePicturesCheckedKeptOnceAndAddressedById) {
  const fs::path uploads = dir_.path() / "articles" / "uploads";
  const std::string png = picture_bytes(solid(64, 48, {200, 40, 40}), ".png");
  httplib::UploadFormDataItems form = {{"file", png, "../../My Photo.png", "image/png"}};
  auto posted = http_->Post("/v1/uploads", form);
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 201) << posted->body;
  const json up = json::parse(posted->body);
  const std::string id = up["id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("up-[0-9a-f]{16}"))) << id;
  EXPECT_EQ(up["content_type"], "image/png");
  EXPECT_EQ(up["width"], 64);
  EXPECT_EQ(up["height"], 48);
  EXPECT_EQ(up["bytes"], png.size());
  EXPECT_EQ(up["name"], "My Photo.png") << "a display name never carries a path";
  EXPECT_EQ(up["url"], "/v1/uploads/" + id);
  // The same picture sent as the body itself is the same upload, kept once.
  const json again = body_of(http_->Post("/v1/uploads", png, "image/png"));
  EXPECT_EQ(again["id"], id);
  EXPECT_EQ(body_of(http_->Get("/v1/uploads"))["data"].size(), 1u);
  auto original = http_->Get("/v1/uploads/" + id);
  ASSERT_TRUE(original);
  EXPECT_EQ(original->status, 200);
  EXPECT_EQ(original->get_header_value("Content-Type"), "image/png");
  EXPECT_EQ(original->body, png);
  auto thumb = http_->Get("/v1/uploads/" + id + "?w=16");
  ASSERT_TRUE(thumb);
  EXPECT_EQ(thumb->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(vips::VImage::new_from_buffer(thumb->body.data(), thumb->body.size(), "").width(), 16);

  // Search by example with the upload: the gallery's pictures most like it, best first.
  const json hits =
      body_of(http_->Post("/v1/search", json{{"upload", id}, {"k", 3}}.dump(), "application/json"));
  ASSERT_EQ(hits["data"].size(), 3u);
  EXPECT_GE(hits["data"][0]["score"], hits["data"][2]["score"]);

  // What is not a whole picture of an accepted kind is refused, and nothing is kept.
  const auto files = files_under(uploads);
  std::string truncated = picture_bytes(gradient(300, 200), ".jpg");
  truncated.resize(truncated.size() / 2);
  const std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>)";
  for (const auto& [body, why] : std::vector<std::pair<std::string, std::string>>{
           {"hello, not a picture", "not a picture"}, {svg, "JPEG, PNG"}, {truncated, "does not decode"}, {"", "body"}}) {
    auto r = http_->Post("/v1/uploads", body, "image/jpeg");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << why << ": " << r->body;
    EXPECT_NE(r->body.find(why), std::string::npos) << r->body;
  }
  httplib::UploadFormDataItems wrong_field = {{"picture", png, "a.png", "image/png"}};
  auto no_file = http_->Post("/v1/uploads", wrong_field);
  ASSERT_TRUE(no_file);
  EXPECT_EQ(no_file->status, 400);
  EXPECT_NE(no_file->body.find("file: required"), std::string::npos) << no_file->body;
  auto text = http_->Post("/v1/uploads", png, "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
  // 33 MB announced: refused before it is read; a JSON body is still held to 1 MB.
  EXPECT_EQ(raw_status(server_->port(), "POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                                        "Content-Length: 34603008\r\n\r\n"),
            413);
  for (const char* bad : {"up-0000000000000000", "..%2f..%2fetc%2fpasswd", "up-../../../etc"}) {
    auto r = http_->Get(std::string("/v1/uploads/") + bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << bad;
  }
  EXPECT_EQ(files_under(uploads), files) << "a refused upload changed the uploads folder";
}

TEST_F(ServeTest, AComposeWithUploadedPicturesPlacesThemAndNoAnswerShowsAPath) {
  const json up = body_of(http_->Post("/v1/uploads", picture_bytes(gradient(96, 64), ".jpg"), "image/jpeg"));
  const std::string upload = up["id"];
  auto unknown = http_->Post(
      "/v1/jobs", json{{"type", "compose"}, {"instruction", "Tea"}, {"pictures", {"up-0123456789abcdef"}}}.dump(),
      "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_NE(unknown->body.find("pictures[0]"), std::string::npos) << unknown->body;

  const std::string job = submit(*http_, {{"type", "compose"},
                                          {"instruction", "Sunsets by the sea"},
                                          {"words", 150},
                                          {"images", 2},
                                          {"pictures", {upload}},
                                          {"seed", 5}});
  const std::vector<Event> events = follow(*http_, job);
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events.back().type, "job.completed") << events.back().data.dump();
  const std::string id = events.back().data["result"]["article"];
  std::set<std::string> chosen_urls;
  for (const Event& e : events)
    if (e.type == "slot.chosen") chosen_urls.insert(e.data.value("url", ""));
  EXPECT_EQ(chosen_urls.count("/v1/uploads/" + upload), 1u) << "the user's picture is placed";

  auto got = http_->Get("/v1/articles/" + id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body.find("\"path\""), std::string::npos) << "pictures are addressed by URL only";
  EXPECT_EQ(got->body.find(dir_.path().string()), std::string::npos);
  EXPECT_EQ(got->body.find(gallery_->dir.path().string()), std::string::npos);
  const json article = json::parse(got->body)["article"];
  int uploaded = 0;
  for (const json& slot : article["slots"]) {
    ASSERT_TRUE(slot["chosen"].is_object()) << slot.dump();
    const std::string url = slot["chosen"]["url"];
    uploaded += url == "/v1/uploads/" + upload;
    auto picture = http_->Get(url);
    ASSERT_TRUE(picture);
    EXPECT_EQ(picture->status, 200) << url;
  }
  EXPECT_EQ(uploaded, 1);
}

TEST_F(ServeTest, MetricsAreValidPrometheusTextWithRequestsTokensAndTheQueue) {
  const std::string id = compose(120, 1);
  ASSERT_FALSE(id.empty());
  for (int i = 0; i < 3; ++i) http_->Get("/v1/articles/" + id);
  http_->Get("/v1/articles/nosucharticl");
  auto page = http_->Get("/metrics");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  // Read by the Prometheus project's own parser (Debian's python3-prometheus-client).
  const fs::path file = dir_.path() / "metrics.txt";
  {
    std::ofstream out(file, std::ios::binary);
    out << page->body;
  }
  const std::string script =
      "import sys\n"
      "from prometheus_client.parser import text_string_to_metric_families\n"
      "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
      "    for s in f.samples:\n"
      "        labels = ','.join(k + '=' + v for k, v in sorted(s.labels.items()))\n"
      "        print(f.type, s.name, labels, s.value)\n";
  const fs::path reader = dir_.path() / "read_metrics.py";
  {
    std::ofstream out(reader, std::ios::binary);
    out << script;
  }
  int status = 0;
  const std::string parsed = run_capture("/usr/bin/python3 " + reader.string() + " " + file.string() + " 2>&1", status);
  ASSERT_EQ(status, 0) << parsed << "\n" << page->body;
  const auto value = [&](const std::string& line_start) {
    const size_t at = parsed.find(line_start);
    if (at == std::string::npos) return -1.0;
    const size_t end = parsed.find('\n', at);
    return std::stod(parsed.substr(at + line_start.size(), end - at - line_start.size()));
  };
  EXPECT_EQ(value("gauge lingbi_queue_waiting  "), 0);
  EXPECT_EQ(value("gauge lingbi_jobs state=completed "), 1);
  EXPECT_GT(value("counter lingbi_tokens_total kind=generated "), 50);
  EXPECT_GT(value("counter lingbi_tokens_total kind=prompt_evaluated "), 50);
  EXPECT_EQ(value("counter lingbi_http_requests_total method=GET,route=/v1/articles/:id,status=200 "), 3);
  EXPECT_EQ(value("counter lingbi_http_requests_total method=GET,route=/v1/articles/:id,status=404 "), 1);
  EXPECT_EQ(value("histogram lingbi_http_request_duration_seconds_count route=/v1/articles/:id "), 4);
  EXPECT_EQ(value("histogram lingbi_http_request_duration_seconds_bucket le=+Inf,route=/v1/articles/:id "), 4);
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

TEST(ThumbnailCache, KeepsTheMostRecentlyUsedWithinItsBudget) {
  server::ThumbnailCache cache(100);
  cache.put("a", std::string(40, 'a'));
  cache.put("b", std::string(40, 'b'));
  ASSERT_TRUE(cache.find("a"));  // a is now the newest: c pushes b out
  cache.put("c", std::string(40, 'c'));
  EXPECT_EQ(cache.find("a").value_or(""), std::string(40, 'a'));
  EXPECT_FALSE(cache.find("b"));
  EXPECT_EQ(cache.find("c").value_or(""), std::string(40, 'c'));
  cache.put("c", std::string(10, 'C'));  // replaced, not counted twice
  cache.put("d", std::string(50, 'd'));
  EXPECT_TRUE(cache.find("a") && cache.find("c") && cache.find("d"));
  cache.put("huge", std::string(101, 'h'));  // larger than the whole budget: not kept, nothing lost
  EXPECT_FALSE(cache.find("huge"));
  EXPECT_TRUE(cache.find("d"));
}

// lingbi::serve itself, with a loader the test holds back: while the models load, /health answers
// 503 "loading" and every other route 503; once they are loaded, the routes answer. A loader that
// throws ends serve with its error.
TEST(Serve, AnswersHealth503WhileTheModelsLoad) {
  TempDir dir;
  ServeOptions options;
  options.port = 0;
  options.articles = dir.path() / "articles";
  LocalModel model(tiny_writer_options());
  std::promise<int> bound;
  std::promise<void> release;
  std::atomic<bool> ready{false}, stop{false};
  ServeEvents events;
  events.on_bound = [&](const std::string&, int port) { bound.set_value(port); };
  events.on_ready = [&](const std::string&, int) { ready = true; };
  std::shared_future<void> released = release.get_future().share();
  std::thread serving([&] {
    serve(
        options,
        [&] {
          released.wait();
          ComposeModels m;
          m.writer = &model;
          return m;
        },
        stop, events);
  });
  const int port = bound.get_future().get();
  httplib::Client c("127.0.0.1", port);
  auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(json::parse(health->body)["status"], "loading");
  EXPECT_EQ(health->get_header_value("Retry-After"), "5");
  auto articles = c.Get("/v1/articles");
  ASSERT_TRUE(articles);
  EXPECT_EQ(articles->status, 503);
  EXPECT_EQ(json::parse(articles->body)["error"]["type"], "loading");
  auto job = c.Post("/v1/jobs", R"({"type":"compose","instruction":"Tea"})", "application/json");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->status, 503) << "nothing is queued before the models are there";
  EXPECT_FALSE(ready.load());

  release.set_value();
  for (int i = 0; i < 600 && !ready.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(ready.load());
  auto now = c.Get("/health");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->status, 200);
  EXPECT_EQ(json::parse(now->body)["status"], "ok");
  auto listed = c.Get("/v1/articles");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  stop = true;
  serving.join();

  try {
    serve(options, []() -> ComposeModels { throw Error("the model file is damaged"); }, stop, {});
    ADD_FAILURE() << "serve returned although its models did not load";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "the model file is damaged");
  }
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

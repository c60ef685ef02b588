// Compose asks for the gallery's query in the article's language when the gallery's CLIP model is
// multilingual (Chinese-CLIP), in English otherwise, and records it (slot.query_lang); the recorded
// query is the one retrieval used. Tiny writer model, two small galleries of generated pictures.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "lingbi/compose/compose.h"
#include "lingbi/compose/editor.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/model/local_model.h"
#include "lingbi/util/error.h"
#include "model_support.h"
#include "support/article_schema.h"
#include "support/compose_fixture.h"
#include "support/gallery_fixtures.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

// Forwards to the tiny writer and keeps the text of every question asked with a schema that has a
// "query" field (the illustrator's).
class RecordingModel : public ChatModel {
 public:
  explicit RecordingModel(ChatModel& inner) : inner_(inner) {}
  ChatResult chat(const ChatRequest& request) override {
    if (request.json_schema.find("\"query\"") != std::string::npos && !request.messages.empty())
      for (const ContentPart& p : request.messages.back().parts) illustrator_asks.push_back(p.text);
    return inner_.chat(request);
  }
  std::string describe() const override { return inner_.describe(); }
  std::vector<std::string> illustrator_asks;

 private:
  ChatModel& inner_;
};

struct SmallGallery {
  test::TempDir dir;
  std::unique_ptr<ImageEmbedder> embedder;
  std::unique_ptr<Gallery> gallery;
  explicit SmallGallery(const std::string& clip) {
    embedder = load_clip_embedder((test::tiny_models() / clip).string(), 1);
    test::make_pictures(dir.path() / "pictures", 0, 16, 48, 64);
    {
      auto writer = Gallery::open_for((dir.path() / "gallery").string(), *embedder);
      IndexOptions o;
      o.roots = {(dir.path() / "pictures").string()};
      o.threads = 1;
      o.progress = false;
      writer->index(*embedder, o);
    }
    gallery = Gallery::open((dir.path() / "gallery").string());
  }
};

struct Composed {
  Article article;
  std::vector<std::string> asks;
};

Composed compose_zh(SmallGallery& g) {
  LocalModel tiny(test::tiny_writer_options());
  RecordingModel writer(tiny);
  ComposeOptions o;
  o.instruction = "写一篇关于海边日落的短文。";
  o.lang = "zh";
  o.words = 300;
  o.images = 2;
  o.seed = 5;
  ComposeModels m;
  m.writer = &writer;
  m.embedder = g.embedder.get();
  m.gallery = g.gallery.get();
  Article a = compose_article(o, m).article;
  return {std::move(a), writer.illustrator_asks};
}

// The slot's candidates are what the gallery gives for the recorded query: each candidate's score
// is the cosine of its picture to that query's embedding.
void expect_query_was_used(SmallGallery& g, const Slot& s) {
  const std::vector<float> q = g.embedder->embed_text(s.query);
  for (const Candidate& c : s.candidates) {
    ASSERT_TRUE(c.image_id.has_value());
    const std::vector<float> v = g.gallery->vector_of(*c.image_id);
    ASSERT_EQ(v.size(), q.size());
    double dot = 0;
    for (size_t i = 0; i < v.size(); ++i) dot += double(v[i]) * q[i];
    EXPECT_NEAR(c.score, dot, 1e-3) << "query \"" << s.query << "\"";
  }
}

TEST(ComposeQueryLanguage, ChineseClipGalleryGetsAChineseQuery) {
  SmallGallery g("chinese-clip.gguf");
  ASSERT_TRUE(g.embedder->multilingual());
  const Composed r = compose_zh(g);
  EXPECT_EQ(r.article.lang, "zh");
  ASSERT_FALSE(r.article.slots.empty());
  for (const Slot& s : r.article.slots) {
    EXPECT_EQ(s.query_lang, "zh");
    EXPECT_FALSE(s.query.empty());
    expect_query_was_used(g, s);
  }
  ASSERT_FALSE(r.asks.empty());
  EXPECT_NE(r.asks[0].find("a search query in Simplified Chinese"), std::string::npos) << r.asks[0];
  // Recorded in the article's JSON, which still satisfies docs/article.schema.json.
  const nlohmann::json j = article_to_json(r.article);
  EXPECT_EQ(j["slots"][0]["query_lang"], "zh");
  test::expect_article_schema(j);
  EXPECT_EQ(article_from_json(j).slots[0].query_lang, "zh");
}

TEST(ComposeQueryLanguage, EnglishClipGalleryKeepsTheEnglishQuery) {
  SmallGallery g("clip.gguf");
  ASSERT_FALSE(g.embedder->multilingual());
  const Composed r = compose_zh(g);
  EXPECT_EQ(r.article.lang, "zh");
  ASSERT_FALSE(r.article.slots.empty());
  for (const Slot& s : r.article.slots) {
    EXPECT_EQ(s.query_lang, "en");
    expect_query_was_used(g, s);
  }
  ASSERT_FALSE(r.asks.empty());
  EXPECT_NE(r.asks[0].find("a search query in English"), std::string::npos) << r.asks[0];
}

// lingbi edit research without a writer model: a multilingual gallery takes the Chinese caption as
// its query; an English-only one refuses it, as before.
TEST(ComposeQueryLanguage, ResearchWithAChineseCaption) {
  SmallGallery zh("chinese-clip.gguf");
  Composed r = compose_zh(zh);
  Article a = r.article;
  ASSERT_FALSE(a.slots.empty());
  SlotSearch search;
  search.caption = "海边的日落";
  EditModels models;
  models.embedder = zh.embedder.get();
  models.gallery = zh.gallery.get();
  research_slot(a, 0, search, models);
  EXPECT_EQ(a.slots[0].query, "海边的日落");
  EXPECT_EQ(a.slots[0].query_lang, "zh");
  expect_query_was_used(zh, a.slots[0]);

  SmallGallery en("clip.gguf");
  Article b = r.article;
  models.embedder = en.embedder.get();
  models.gallery = en.gallery.get();
  try {
    research_slot(b, 0, search, models);
    FAIL() << "an English-only gallery took a Chinese caption as its query";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("English only"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lingbi

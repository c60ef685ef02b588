// lingbi edit on saved articles, with the tiny models and a generated gallery: each edit changes
// what it names and nothing else, keeps the provenance, records itself, and bad input leaves the
// file byte for byte as it was. Most tests edit an article built in code (with real candidates from
// the gallery); one edits an article that compose wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "lingbi/compose/compose.h"
#include "lingbi/compose/editor.h"
#include "lingbi/compose/text_stats.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/model/local_model.h"
#include "lingbi/model/remote_model.h"
#include "lingbi/util/error.h"
#include "model_support.h"
#include "support/article_schema.h"
#include "support/compose_fixture.h"
#include "support/gallery_fixtures.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Editing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = new test::ComposeGallery(60);
    dir_ = &fixture_->dir;
    embedder_ = fixture_->embedder.get();
    gallery_ = fixture_->gallery.get();
    save_article(built_article("en"), dir_->path() / "built.json");
  }
  static void TearDownTestSuite() { delete fixture_; }

  static LocalModelOptions writer_options(bool vision = false) { return test::tiny_writer_options(vision); }

  // An article as compose writes it, built in code so that most tests spend no time generating:
  // three sections of three paragraphs, slots after paragraphs 1, 4 and 7 whose candidates come
  // from the gallery (none chosen twice), the best one chosen.
  static Article built_article(const std::string& lang) {
    Article a;
    a.lang = lang;
    a.title = lang == "zh" ? "安静城市的早晨" : "Mornings in a quiet city";
    a.instruction = "Write about mornings in a quiet city: bakeries, rivers and the first trams.";
    const std::vector<std::string> en = {
        "The city wakes slowly. Before the first tram rattles over the bridge, the bakers have been at work for "
        "hours, and the smell of bread drifts along streets that are still blue with the last of the night.",
        "Along the river the mist lifts in thin sheets. A rower passes under the old arches, and a dog on the towpath "
        "stops to watch him go, as if this were the most important event of the day.",
        "By seven the cafes open their shutters. Chairs scrape on stone, cups clink, and the first newspapers are "
        "unfolded by people who have sat at the same table for twenty years."};
    const std::vector<std::string> zh = {
        "城市慢慢醒来。第一班电车驶过桥之前，面包师已经忙了几个小时，面包的香气飘过仍带着夜色的街道。",
        "河面上的薄雾一层层散去。一个划船的人从古老的桥拱下经过，岸边的小狗停下来看着他。",
        "七点钟，咖啡馆拉开卷帘。椅子在石板上摩擦，杯子叮当作响，老顾客在同一张桌子旁打开报纸。"};
    const auto& texts = lang == "zh" ? zh : en;
    for (int s = 0; s < 3; ++s) {
      Section section{lang == "zh" ? "第" + std::to_string(s + 1) + "部分" : "Part " + std::to_string(s + 1), {}};
      for (int p = 0; p < 3; ++p) section.paragraphs.push_back(texts[(s + p) % 3]);
      a.sections.push_back(section);
    }
    const std::vector<std::string> queries = {"fresh bread in a bakery", "a river in the mist", "a cafe terrace"};
    std::vector<int64_t> used;
    for (int i = 0; i < 3; ++i) {
      Slot slot;
      slot.after_paragraph = 1 + 3 * i;
      slot.caption = queries[i];
      slot.query = queries[i];
      slot.tone = "neutral";
      slot.why = "test";
      SearchOptions o;
      o.k = 4;
      o.exclude = used;
      for (const SearchHit& h : gallery_->search(embedder_->embed_text(slot.query), o))
        slot.candidates.push_back({h.id, h.path, h.score});
      slot.chosen = Choice{slot.candidates[0].image_id, slot.candidates[0].path, "best retrieval score"};
      used.push_back(*slot.chosen->image_id);
      a.slots.push_back(slot);
    }
    a.models = {{"writer", {{"kind", "local"}, {"model", "llm.gguf"}}}};
    a.seed = 11;
    a.tokens = {1000, 500, 700};
    a.timings = {{"total_ms", 1234.5}};
    return a;
  }

  // The first paragraph after which no slot stands, from `from` on.
  static int free_paragraph(const Article& a, int from = 0) {
    for (int p = from; p < a.paragraph_count(); ++p) {
      bool taken = false;
      for (const Slot& s : a.slots) taken |= s.after_paragraph == p;
      if (!taken) return p;
    }
    return -1;
  }

  void SetUp() override {
    path_ = dir_->path() / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".json");
    fs::copy_file(dir_->path() / "built.json", path_, fs::copy_options::overwrite_existing);
    before_ = load_article(path_);
    bytes_ = test::read_bytes(path_);
    ASSERT_EQ(before_.slots.size(), 3u);
    ASSERT_EQ(before_.paragraph_count(), 9);
  }

  EditModels gallery_models() const {
    EditModels m;
    m.embedder = embedder_;
    m.gallery = gallery_;
    return m;
  }

  // The article's JSON without the parts every edit may change.
  static json rest_of(const Article& a) {
    json j = article_to_json(a);
    for (const char* key : {"slots", "sections", "tokens", "edits"}) j.erase(key);
    return j;
  }

  // The file is untouched and `edit` threw a lingbi::Error containing `message`.
  void expect_refused(const std::function<EditReport(Article&)>& edit, const std::string& message) {
    try {
      edit_article_file(path_, edit);
      ADD_FAILURE() << "no error; expected: " << message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_EQ(test::read_bytes(path_), bytes_) << "a refused edit changed the file";
  }

  // A slot's provenance is sound: candidates from the gallery, none chosen by another slot, the
  // choice among the candidates, scores the cosine of the query and the image (independently).
  void expect_sound_search(const Article& a, size_t index) {
    const Slot& s = a.slots[index];
    ASSERT_FALSE(s.candidates.empty());
    std::vector<float> q = embedder_->embed_text(s.query);
    for (const Candidate& c : s.candidates) {
      ASSERT_TRUE(c.image_id.has_value());
      std::vector<float> v = gallery_->vector_of(*c.image_id);
      ASSERT_EQ(v.size(), q.size());
      double dot = 0;
      for (size_t k = 0; k < v.size(); ++k) dot += static_cast<double>(v[k]) * q[k];
      EXPECT_NEAR(c.score, dot, 2e-3) << "candidate " << *c.image_id;
      for (size_t i = 0; i < a.slots.size(); ++i)
        if (i != index && a.slots[i].chosen) {
          EXPECT_NE(a.slots[i].chosen->image_id, c.image_id) << "used twice";
        }
    }
    ASSERT_TRUE(s.chosen.has_value());
    bool among = false;
    for (const Candidate& c : s.candidates) among |= c.image_id == s.chosen->image_id && c.path == s.chosen->path;
    EXPECT_TRUE(among);
  }

  static test::ComposeGallery* fixture_;
  static const test::TempDir* dir_;  // shorthands for the fixture's parts
  static ImageEmbedder* embedder_;
  static const Gallery* gallery_;
  fs::path path_;
  Article before_;
  std::string bytes_;
};

test::ComposeGallery* Editing::fixture_ = nullptr;
const test::TempDir* Editing::dir_ = nullptr;
ImageEmbedder* Editing::embedder_ = nullptr;
const Gallery* Editing::gallery_ = nullptr;

TEST_F(Editing, RewriteShorterChangesOneParagraphOnly) {
  LocalModel writer(writer_options());
  EditModels m;
  m.writer = &writer;
  RewriteOptions o;
  o.paragraph = 2;
  o.how = "shorter";
  edit_article_file(path_, [&](Article& a) { return rewrite_paragraph(a, o, m); });
  Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  ASSERT_EQ(after.paragraph_count(), before_.paragraph_count()) << "a rewrite keeps exactly one paragraph";
  for (int p = 0; p < after.paragraph_count(); ++p)
    if (p != 2) {
      EXPECT_EQ(after.paragraph(p), before_.paragraph(p)) << "paragraph " << p;
    }
  const int old_length = count_length(before_.paragraph(2), before_.lang);
  const int new_length = count_length(after.paragraph(2), after.lang);
  EXPECT_GT(new_length, 0);
  EXPECT_LE(new_length, old_length * 3 / 4);
  EXPECT_EQ(after.paragraph(2).find("\n\n"), std::string::npos);
  EXPECT_EQ(article_to_json(after)["slots"], article_to_json(before_)["slots"]);
  EXPECT_EQ(rest_of(after), rest_of(before_));
  EXPECT_GT(after.tokens.generated, before_.tokens.generated);
  ASSERT_EQ(after.edits.size(), 1u);
  EXPECT_EQ(after.edits[0].op, "rewrite");
  EXPECT_EQ(after.edits[0].target, 2);
  EXPECT_EQ(after.edits[0].detail, "shorter");
  EXPECT_EQ(after.edits[0].previous, before_.paragraph(2));
  EXPECT_EQ(after.edits[0].at.size(), 20u);
}

TEST_F(Editing, RewriteLongerAndByInstructionStayOneParagraph) {
  LocalModel writer(writer_options());
  EditModels m;
  m.writer = &writer;
  RewriteOptions o;
  o.paragraph = 0;
  o.how = "longer";
  Article a = before_;
  rewrite_paragraph(a, o, m);
  EXPECT_GT(count_length(a.paragraph(0), a.lang), count_length(before_.paragraph(0), a.lang));
  o.paragraph = a.paragraph_count() - 1;
  o.how = "Say it as a question to the reader.";
  rewrite_paragraph(a, o, m);
  EXPECT_EQ(a.paragraph_count(), before_.paragraph_count());
  EXPECT_LE(count_length(a.paragraph(o.paragraph), a.lang),
            count_length(before_.paragraph(o.paragraph), a.lang) * 3 / 2 + 10);
  ASSERT_EQ(a.edits.size(), 2u);
  EXPECT_EQ(a.edits[1].detail, o.how);
  // The same edit with the same seed gives the same paragraph.
  Article b = before_, c = before_;
  o.seed = 5;
  rewrite_paragraph(b, o, m);
  rewrite_paragraph(c, o, m);
  EXPECT_EQ(b.paragraph(o.paragraph), c.paragraph(o.paragraph));
}

TEST_F(Editing, ResearchGivesNewCandidatesAndChoice) {
  SlotSearch s;
  s.caption = "Boats on a river at dawn";
  s.tone = "bright";
  edit_article_file(path_, [&](Article& a) { return research_slot(a, 1, s, gallery_models()); });
  Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  ASSERT_EQ(after.slots.size(), 3u);
  const Slot& slot = after.slots[1];
  EXPECT_EQ(slot.caption, s.caption);
  EXPECT_EQ(slot.query, s.caption) << "an English caption is its own query without a writer model";
  EXPECT_EQ(slot.tone, "bright");
  EXPECT_EQ(slot.after_paragraph, before_.slots[1].after_paragraph);
  EXPECT_EQ(slot.candidates.size(), before_.slots[1].candidates.size());
  expect_sound_search(after, 1);
  EXPECT_EQ(slot.chosen->image_id, slot.candidates[0].image_id) << "without a selector the best score wins";
  json was = article_to_json(before_)["slots"], now = article_to_json(after)["slots"];
  EXPECT_EQ(now[0], was[0]);
  EXPECT_EQ(now[2], was[2]);
  EXPECT_EQ(article_to_json(after)["sections"], article_to_json(before_)["sections"]);
  ASSERT_EQ(after.edits.size(), 1u);
  EXPECT_EQ(after.edits[0].op, "research");
  EXPECT_EQ(after.edits[0].previous, was[1]) << "the old slot, candidates and all, stays in the record";
}

TEST_F(Editing, ResearchWithAVisionModelWritesTheQueryAndSelects) {
  LocalModel vlm(writer_options(true));
  EditModels m = gallery_models();
  m.writer = &vlm;
  m.selector = &vlm;
  SlotSearch s;
  s.caption = "清晨的河边小船";
  s.candidates = 3;
  EditReport r = research_slot(before_, 0, s, m);
  const Slot& slot = before_.slots[0];
  EXPECT_EQ(slot.caption, s.caption);
  EXPECT_FALSE(slot.query.empty());
  EXPECT_NE(slot.query, s.caption);
  EXPECT_GT(r.tokens.prompt_evaluated, 0);
  // The slot is filled whatever the model answers: picked from the 3 candidates, or after two
  // refusals (3 candidates, then 3 more) the best score, marked.
  ASSERT_TRUE(slot.chosen.has_value());
  expect_sound_search(before_, 0);
  EXPECT_FALSE(slot.chosen->reason.empty());
  if (slot.selector == "declined") {
    EXPECT_EQ(slot.candidates.size(), 6u);
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_NE(r.warnings.back().find("declined"), std::string::npos) << r.warnings.back();
  } else {
    EXPECT_EQ(slot.selector, "picked");
    EXPECT_TRUE(slot.candidates.size() == 3u || slot.candidates.size() == 6u) << slot.candidates.size();
  }
}

// A vision model that always picks the first candidate and keeps what each request held before
// its question.
class FirstPicker : public ChatModel {
 public:
  ChatResult chat(const ChatRequest& request) override {
    std::string before;
    for (size_t i = 0; i + 1 < request.messages.size(); ++i)
      for (const ContentPart& p : request.messages[i].parts)
        if (!p.is_image()) before += p.text;
    held.push_back(before);
    ChatResult r;
    r.text = R"({"choice": "A", "reason": "fits"})";
    return r;
  }
  std::string describe() const override { return "first picker"; }
  std::vector<std::string> held;
};

// research's selector reads the outline and the passage (no paragraph is given it before its
// question); with select_context "article" it is given the whole article first.
TEST_F(Editing, ResearchReadsThePassageUnlessToldToReadTheArticle) {
  for (const std::string context : {"passage", "article"}) {
    Article a = before_;
    FirstPicker picker;
    EditModels m = gallery_models();
    m.selector = &picker;
    SlotSearch s;
    s.caption = "A small boat by the river at dawn";
    s.select_context = context;
    research_slot(a, 0, s, m);
    ASSERT_EQ(picker.held.size(), 1u) << context;
    EXPECT_EQ(a.slots[0].selector, "picked");
    EXPECT_NE(picker.held[0].find(a.title), std::string::npos) << context;
    for (int p = 0; p < a.paragraph_count(); ++p)
      EXPECT_EQ(picker.held[0].find(a.paragraph(p)) != std::string::npos, context == "article")
          << context << ", paragraph " << p;
  }
}

TEST_F(Editing, SwapShowsAnotherCandidate) {
  const Slot& s = before_.slots[0];
  ASSERT_GE(s.candidates.size(), 2u);
  // The first candidate no slot shows.
  int pick = -1;
  for (size_t c = 0; c < s.candidates.size() && pick < 0; ++c) {
    bool shown = false;
    for (const Slot& other : before_.slots) shown |= other.chosen && other.chosen->image_id == s.candidates[c].image_id;
    if (!shown) pick = static_cast<int>(c);
  }
  ASSERT_GE(pick, 0);
  const std::string letter(1, static_cast<char>('a' + pick));  // lower case is accepted
  edit_article_file(path_, [&](Article& a) { return swap_candidate(a, 0, letter); });
  Article after = load_article(path_);
  ASSERT_TRUE(after.slots[0].chosen.has_value());
  EXPECT_EQ(after.slots[0].chosen->image_id, s.candidates[pick].image_id);
  EXPECT_EQ(after.slots[0].chosen->path, s.candidates[pick].path);
  json was = article_to_json(before_)["slots"], now = article_to_json(after)["slots"];
  EXPECT_EQ(now[0]["candidates"], was[0]["candidates"]) << "the candidates and their scores are kept";
  EXPECT_EQ(now[1], was[1]);
  EXPECT_EQ(now[2], was[2]);
  EXPECT_EQ(article_to_json(after)["sections"], article_to_json(before_)["sections"]);
  EXPECT_EQ(after.tokens.prompt_evaluated, before_.tokens.prompt_evaluated);
  ASSERT_EQ(after.edits.size(), 1u);
  EXPECT_EQ(after.edits[0].detail, std::string(1, static_cast<char>('A' + pick)));
  EXPECT_EQ(after.edits[0].previous, was[0]["chosen"]);
}

TEST_F(Editing, SwapRefusesAPictureAnotherSlotShows) {
  // Slot 1 shows slot 0's candidate B.
  before_.slots[1].chosen = Choice{before_.slots[0].candidates[1].image_id, before_.slots[0].candidates[1].path, "test"};
  save_article(before_, path_);
  bytes_ = test::read_bytes(path_);
  expect_refused([](Article& a) { return swap_candidate(a, 0, "B"); }, "is already the picture of slot 1");
}

TEST_F(Editing, AddSlotKeepsOnePerParagraphAndReadingOrder) {
  const int free = free_paragraph(before_);
  ASSERT_GE(free, 0);
  SlotSearch s;
  s.caption = "A tram crossing a bridge in fog";
  edit_article_file(path_, [&](Article& a) { return add_slot(a, free, s, gallery_models()); });
  Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  ASSERT_EQ(after.slots.size(), 4u);
  size_t added = 4;
  for (size_t i = 0; i < after.slots.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(after.slots[i - 1].after_paragraph, after.slots[i].after_paragraph) << "reading order";
    }
    if (after.slots[i].after_paragraph == free) added = i;
  }
  ASSERT_LT(added, 4u);
  EXPECT_EQ(after.slots[added].caption, s.caption);
  EXPECT_EQ(after.slots[added].tone, "neutral");
  EXPECT_EQ(after.slots[added].candidates.size(), 4u);
  expect_sound_search(after, added);
  json was = article_to_json(before_)["slots"], now = article_to_json(after)["slots"];
  now.erase(added);
  EXPECT_EQ(now, was);
  EXPECT_EQ(after.edits.at(0).op, "add-slot");
  EXPECT_TRUE(after.edits.at(0).previous.is_null());

  // Never two slots after one paragraph; a caption is needed without a writer model.
  bytes_ = test::read_bytes(path_);
  expect_refused([&](Article& a) { return add_slot(a, free, s, gallery_models()); }, "already has a picture after it");
  expect_refused([&](Article& a) { return add_slot(a, before_.paragraph_count(), s, {}); }, "does not exist");
  expect_refused([&](Article& a) { return add_slot(a, free_paragraph(after), SlotSearch{}, {}); }, "add-slot needs --caption");
}

TEST_F(Editing, AddSlotWithoutGalleryLeavesItEmptyWithAWarning) {
  const int free = free_paragraph(before_);
  ASSERT_GE(free, 0);
  SlotSearch s;
  s.caption = "Bread on a window sill";
  EditReport r = add_slot(before_, free, s, {});
  ASSERT_EQ(before_.slots.size(), 4u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("has no picture yet"), std::string::npos);
  for (const Slot& slot : before_.slots)
    if (slot.after_paragraph == free) {
      EXPECT_FALSE(slot.chosen.has_value());
    }
  // A Chinese caption without a model cannot become an English query by itself.
  s.caption = "窗台上的面包";
  const int next = free_paragraph(before_);
  ASSERT_GE(next, 0);
  try {
    add_slot(before_, next, s, {});
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not English: give --query"), std::string::npos) << e.what();
  }
  EXPECT_EQ(before_.slots.size(), 4u);
}

TEST_F(Editing, RemoveSlotKeepsItInTheRecord) {
  edit_article_file(path_, [](Article& a) { return remove_slot(a, 1); });
  Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  json was = article_to_json(before_)["slots"];
  ASSERT_EQ(after.slots.size(), 2u);
  json now = article_to_json(after)["slots"];
  EXPECT_EQ(now[0], was[0]);
  EXPECT_EQ(now[1], was[2]);
  EXPECT_EQ(after.edits.at(0).previous, was[1]);
  EXPECT_EQ(rest_of(after), rest_of(before_));
}

TEST_F(Editing, BadIndexesLettersAndFilesAreClearErrors) {
  const std::string n = std::to_string(before_.slots.size());
  expect_refused([](Article& a) { return remove_slot(a, 3); }, "slot 3 does not exist: the article has 3 slots");
  expect_refused([](Article& a) { return remove_slot(a, -1); }, "slot -1 does not exist");
  expect_refused([](Article& a) { return swap_candidate(a, 7, "A"); }, "slot 7 does not exist");
  expect_refused([](Article& a) { return swap_candidate(a, 0, "Z"); }, "candidate \"Z\" does not exist: slot 0 has 4 candidates, A to D");
  expect_refused([](Article& a) { return swap_candidate(a, 0, "AB"); }, "candidate \"AB\" does not exist");
  expect_refused([](Article& a) { return swap_candidate(a, 0, ""); }, "candidate \"\" does not exist");
  RewriteOptions far;
  far.paragraph = 999;
  expect_refused([&](Article& a) { return rewrite_paragraph(a, far, {}); }, "paragraph 999 does not exist");
  expect_refused([&](Article& a) { return rewrite_paragraph(a, RewriteOptions{}, {}); }, "rewrite needs a writer model");
  SlotSearch river;
  river.caption = "A river";
  expect_refused([&](Article& a) { return research_slot(a, 0, river, {}); }, "research needs the gallery");
  expect_refused([&](Article& a) { return research_slot(a, 0, {}, gallery_models()); }, "needs the slot's new caption");
  SlotSearch chapter = river;
  chapter.select_context = "chapter";
  expect_refused([&](Article& a) { return research_slot(a, 0, chapter, gallery_models()); },
                 "--select-context must be passage or article, not \"chapter\"");
  try {
    edit_article_file(dir_->path() / "nowhere.json", [](Article& a) { return remove_slot(a, 0); });
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere.json"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_->path() / "nowhere.json"));
  const fs::path broken = dir_->path() / "broken.json";
  test::write_bytes(broken, "{\"title\": \"x\", \"lang\": \"en\", \"sections\": [], \"slots\": [{}]}");
  try {
    edit_article_file(broken, [](Article& a) { return remove_slot(a, 0); });
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json is malformed: slots[0].after_paragraph: missing"), std::string::npos)
        << e.what();
  }
}

TEST_F(Editing, RewriteChineseCountsCharacters) {
  const fs::path zh = dir_->path() / "zh.json";
  save_article(built_article("zh"), zh);
  LocalModel writer(writer_options());
  EditModels m;
  m.writer = &writer;
  RewriteOptions o;
  o.paragraph = 4;
  o.how = "shorter";
  edit_article_file(zh, [&](Article& a) { return rewrite_paragraph(a, o, m); });
  Article after = load_article(zh);
  const std::string old = built_article("zh").paragraph(4);
  EXPECT_EQ(after.paragraph_count(), 9);
  EXPECT_GT(count_length(after.paragraph(4), "zh"), 0);
  EXPECT_LE(count_length(after.paragraph(4), "zh"), count_length(old, "zh") * 3 / 4);
  EXPECT_EQ(after.edits.at(0).previous, old);
}

// The edits on an article that compose wrote with the tiny models, one after another.
TEST_F(Editing, EditsOfAComposedArticle) {
  LocalModel writer(writer_options());
  ComposeOptions c;
  c.instruction = "Write about mornings in a quiet city: bakeries, rivers and the first trams.";
  c.images = 2;
  c.words = 200;
  c.seed = 11;
  ComposeModels cm;
  cm.writer = &writer;
  cm.embedder = embedder_;
  cm.gallery = gallery_;
  const fs::path composed = dir_->path() / "composed.json";
  save_article(compose_article(c, cm).article, composed);
  const Article made = load_article(composed);
  ASSERT_EQ(made.slots.size(), 2u);
  EditModels m = gallery_models();
  m.writer = &writer;
  RewriteOptions shorter;
  shorter.paragraph = made.paragraph_count() - 1;
  shorter.how = "shorter";
  edit_article_file(composed, [&](Article& a) { return rewrite_paragraph(a, shorter, m); });
  edit_article_file(composed, [](Article& a) { return swap_candidate(a, 1, "C"); });
  edit_article_file(composed, [](Article& a) { return remove_slot(a, 0); });
  const int free = free_paragraph(load_article(composed));
  ASSERT_GE(free, 0);
  edit_article_file(composed, [&](Article& a) { return add_slot(a, free, SlotSearch{}, m); });  // the model writes the caption
  Article after = load_article(composed);
  test::expect_article_schema(article_to_json(after));
  EXPECT_EQ(after.paragraph_count(), made.paragraph_count());
  ASSERT_EQ(after.slots.size(), 2u);
  ASSERT_EQ(after.edits.size(), 4u);
  std::vector<std::string> ops;
  for (const auto& e : after.edits) ops.push_back(e.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"rewrite", "swap", "remove-slot", "add-slot"}));
  EXPECT_EQ(after.title, made.title);
  EXPECT_EQ(after.instruction, made.instruction);
  EXPECT_EQ(after.models, made.models);
  EXPECT_GT(after.tokens.generated, made.tokens.generated);
  for (size_t i = 0; i < after.slots.size(); ++i) {
    const Slot& s = after.slots[i];
    EXPECT_FALSE(s.caption.empty());
    EXPECT_FALSE(s.query.empty());
    if (s.after_paragraph == free) {
      expect_sound_search(after, i);
    } else {
      EXPECT_EQ(s.chosen->image_id, made.slots[1].candidates.at(2).image_id) << "the swapped slot survives";
    }
  }
}

// The same edits through a real llama-server holding the tiny model (see compose_test for --no-jinja).
TEST_F(Editing, RewriteAndAddSlotAgainstLlamaServer) {
  test::LlamaServer server({"-c", "16384", "--no-jinja", "--reasoning-format", "none"});
  RemoteModelOptions o;
  o.endpoint = server.url();
  RemoteModel remote(o);
  EditModels m = gallery_models();
  m.writer = &remote;
  RewriteOptions shorter;
  shorter.paragraph = 3;
  shorter.how = "shorter";
  edit_article_file(path_, [&](Article& a) { return rewrite_paragraph(a, shorter, m); });
  const int free = free_paragraph(before_);
  edit_article_file(path_, [&](Article& a) { return add_slot(a, free, SlotSearch{}, m); });
  Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  EXPECT_LE(count_length(after.paragraph(3), "en"), count_length(before_.paragraph(3), "en") * 3 / 4);
  EXPECT_GT(count_length(after.paragraph(3), "en"), 0);
  ASSERT_EQ(after.slots.size(), 4u);
  const Slot& added = after.slots[0];
  ASSERT_EQ(added.after_paragraph, free);
  EXPECT_FALSE(added.caption.empty());
  EXPECT_FALSE(added.query.empty());
  EXPECT_FALSE(added.why.empty());
  expect_sound_search(after, 0);
  EXPECT_GT(after.tokens.generated, before_.tokens.generated);
}

TEST_F(Editing, InsertParagraphBeforeOrAfterKeepsThePicturesWithTheirParagraphs) {
  LocalModel writer(writer_options());
  EditModels m;
  m.writer = &writer;
  InsertOptions o;
  o.paragraph = 1;
  o.instruction = "The sound of the first tram bell";
  std::string streamed;
  o.on_text = [&](std::string_view piece) { streamed += piece; };
  edit_article_file(path_, [&](Article& a) { return insert_paragraph(a, o, m); });
  Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  ASSERT_EQ(after.paragraph_count(), 10);
  ASSERT_EQ(after.sections[0].paragraphs.size(), 4u) << "the new paragraph is in its neighbour's section";
  for (int p = 0; p < 9; ++p) EXPECT_EQ(after.paragraph(p < 2 ? p : p + 1), before_.paragraph(p)) << p;
  const std::string& added = after.paragraph(2);
  EXPECT_GT(count_length(added, after.lang), 0);
  EXPECT_EQ(added.find("\n\n"), std::string::npos);
  EXPECT_FALSE(streamed.empty());
  // The pictures stay where they were in the text: after the same paragraphs, now renumbered.
  ASSERT_EQ(after.slots.size(), 3u);
  EXPECT_EQ(after.slots[0].after_paragraph, 1);
  EXPECT_EQ(after.slots[1].after_paragraph, 5);
  EXPECT_EQ(after.slots[2].after_paragraph, 8);
  ASSERT_EQ(after.edits.size(), 1u);
  EXPECT_EQ(after.edits[0].op, "insert-paragraph");
  EXPECT_EQ(after.edits[0].target, 2);
  EXPECT_EQ(after.edits[0].detail, o.instruction);
  EXPECT_TRUE(after.edits[0].previous.is_null());
  EXPECT_EQ(rest_of(after), rest_of(before_));

  // Before the first paragraph, about 30 words as asked.
  o.paragraph = 0;
  o.before = true;
  o.length = 30;
  edit_article_file(path_, [&](Article& a) { return insert_paragraph(a, o, m); });
  after = load_article(path_);
  ASSERT_EQ(after.paragraph_count(), 11);
  EXPECT_EQ(after.paragraph(1), before_.paragraph(0));
  EXPECT_LE(count_length(after.paragraph(0), after.lang), 30 * 3 / 2 + 10);
  EXPECT_EQ(after.slots[0].after_paragraph, 2);
  EXPECT_EQ(after.edits.back().target, 0);

  const std::string saved = test::read_bytes(path_);
  bytes_ = saved;
  o.instruction = "  ";
  expect_refused([&](Article& a) { return insert_paragraph(a, o, m); }, "needs an instruction");
  o.instruction = "More";
  o.paragraph = 11;
  expect_refused([&](Article& a) { return insert_paragraph(a, o, m); }, "paragraph 11 does not exist");
  o.paragraph = 0;
  expect_refused([&](Article& a) { return insert_paragraph(a, o, EditModels{}); }, "needs a writer model");
}

// A paragraph the author already has (a chat answer kept): put in as it is, with no model, as one
// paragraph; the pictures after it are renumbered as for a written one.
TEST_F(Editing, InsertParagraphTakesGivenTextWithoutAModel) {
  InsertOptions o;
  o.paragraph = 4;
  o.text = "  A kept answer,\n\nover two lines.  ";
  edit_article_file(path_, [&](Article& a) { return insert_paragraph(a, o, EditModels{}); });
  const Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  ASSERT_EQ(after.paragraph_count(), 10);
  EXPECT_EQ(after.paragraph(5), "A kept answer, over two lines.");
  for (int p = 0; p < 9; ++p) EXPECT_EQ(after.paragraph(p < 5 ? p : p + 1), before_.paragraph(p)) << p;
  for (size_t i = 0; i < after.slots.size(); ++i)
    EXPECT_EQ(after.slots[i].after_paragraph,
              before_.slots[i].after_paragraph + (before_.slots[i].after_paragraph >= 5 ? 1 : 0)) << i;
  ASSERT_EQ(after.edits.size(), 1u);
  EXPECT_EQ(after.edits[0].target, 5);
  EXPECT_EQ(after.edits[0].detail, "(text given)");

  bytes_ = test::read_bytes(path_);
  o.instruction = "More";
  expect_refused([&](Article& a) { return insert_paragraph(a, o, EditModels{}); }, "not both");
}

TEST_F(Editing, DeleteParagraphMovesItsPictureBackOrKeepsItInTheRecord) {
  // Deleting the last three paragraphs: slot 2 (after paragraph 7) moves back with the text, and
  // the emptied section goes with its heading.
  for (int p : {8, 7, 6}) edit_article_file(path_, [p](Article& a) { return delete_paragraph(a, p); });
  Article after = load_article(path_);
  test::expect_article_schema(article_to_json(after));
  ASSERT_EQ(after.sections.size(), 2u);
  ASSERT_EQ(after.paragraph_count(), 6);
  for (int p = 0; p < 6; ++p) EXPECT_EQ(after.paragraph(p), before_.paragraph(p));
  ASSERT_EQ(after.slots.size(), 3u);
  EXPECT_EQ(after.slots[0].after_paragraph, 1);
  EXPECT_EQ(after.slots[1].after_paragraph, 4);
  EXPECT_EQ(after.slots[2].after_paragraph, 5);
  EXPECT_EQ(article_to_json(after)["slots"][2]["chosen"], article_to_json(before_)["slots"][2]["chosen"]);
  ASSERT_EQ(after.edits.size(), 3u);
  EXPECT_EQ(after.edits[0].op, "delete-paragraph");
  EXPECT_EQ(after.edits[0].previous["text"], before_.paragraph(8));
  EXPECT_FALSE(after.edits[0].previous.contains("section_heading"));
  EXPECT_EQ(after.edits[2].previous["section_heading"], "Part 3");

  // A picture with nowhere to go (the paragraph before has one) is removed, and kept in the record.
  Article a = before_;
  a.slots[1].after_paragraph = 2;  // pictures after paragraphs 1, 2 and 7
  const json removed = article_to_json(a)["slots"][1];
  const EditReport report = delete_paragraph(a, 2);
  ASSERT_EQ(a.slots.size(), 2u);
  EXPECT_EQ(a.slots[0].after_paragraph, 1);
  EXPECT_EQ(a.slots[1].after_paragraph, 6);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("removed"), std::string::npos) << report.warnings[0];
  EXPECT_EQ(a.edits.back().previous["slot"], removed);

  Article single;
  single.lang = "en";
  single.sections = {{"", {"Only this."}}};
  try {
    delete_paragraph(single, 0);
    ADD_FAILURE() << "the only paragraph was deleted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only paragraph"), std::string::npos) << e.what();
  }
  EXPECT_EQ(single.paragraph_count(), 1);
}

TEST_F(Editing, CommandLineInsertsAndDeletesParagraphs) {
  const std::string lingbi = std::string(LINGBI_TEST_BIN_DIR) + "/lingbi";
  int status = 0;
  std::string out = test::run_capture(lingbi + " edit " + path_.string() + " delete-paragraph --paragraph 0 2>&1", status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(load_article(path_).paragraph_count(), 8);
  out = test::run_capture(lingbi + " edit " + path_.string() + " insert-paragraph --instruction More 2>&1", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("needs one of --before N or --after N"), std::string::npos) << out;
  out = test::run_capture(lingbi + " edit " + path_.string() + " insert-paragraph --after 2 --instruction \"A bell rings\" -t 1 -m " +
                              (test::tiny_models() / "llm.gguf").string() + " 2>/dev/null",
                          status);
  EXPECT_EQ(status, 0) << out;
  const Article after = load_article(path_);
  ASSERT_EQ(after.paragraph_count(), 9);
  EXPECT_EQ(out, after.paragraph(3) + "\n") << "the CLI prints the paragraph as saved";
  EXPECT_EQ(after.edits.size(), 2u);
}

// The CLI: edits by flags, exit codes, messages, the file written back.
TEST_F(Editing, CommandLine) {
  const std::string lingbi = std::string(LINGBI_TEST_BIN_DIR) + "/lingbi";
  int status = 0;
  test::run_capture(lingbi + " edit " + path_.string() + " remove-slot --slot 2 2>&1", status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(load_article(path_).slots.size(), 2u);
  std::string out = test::run_capture(lingbi + " edit " + path_.string() + " swap --slot 5 --candidate A 2>&1", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("lingbi: error: slot 5 does not exist: the article has 2 slots"), std::string::npos) << out;
  out = test::run_capture(lingbi + " edit " + path_.string() + " rewrite --paragraph 1 --how shorter -t 1 -m " +
                              (test::tiny_models() / "llm.gguf").string() + " 2>/dev/null",
                          status);
  EXPECT_EQ(status, 0) << out;
  Article after = load_article(path_);
  EXPECT_EQ(out, after.paragraph(1) + "\n") << "the CLI prints the paragraph as saved";
  EXPECT_LT(count_length(after.paragraph(1), after.lang), count_length(before_.paragraph(1), before_.lang));
  EXPECT_EQ(after.edits.size(), 2u);
  out = test::run_capture(lingbi + " edit " + path_.string() + " research --slot 0 --caption Trams 2>&1", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("research needs the gallery"), std::string::npos) << out;
  // research and add-slot with the gallery (a copy: this process holds the gallery's lock); a bad
  // index is refused before any model is loaded.
  const fs::path copy = dir_->path() / "gallery-copy";
  fs::remove_all(copy);
  fs::copy(dir_->path() / "gallery", copy, fs::copy_options::recursive);
  const std::string gallery = " --gallery " + copy.string() + " --clip " +
                              (test::tiny_models() / "clip.gguf").string();
  out = test::run_capture(lingbi + " edit " + path_.string() + " research --slot 0 --caption \"Trams at dawn\"" + gallery +
                              " 2>&1",
                          status);
  EXPECT_EQ(status, 0) << out;
  out = test::run_capture(lingbi + " edit " + path_.string() + " add-slot --after 8 --caption Bridges" + gallery + " 2>&1",
                          status);
  EXPECT_EQ(status, 0) << out;
  after = load_article(path_);
  ASSERT_EQ(after.slots.size(), 3u);
  EXPECT_EQ(after.slots[0].caption, "Trams at dawn");
  EXPECT_EQ(after.slots[0].query, "Trams at dawn");
  EXPECT_EQ(after.slots[2].after_paragraph, 8);
  EXPECT_TRUE(after.slots[2].chosen.has_value());
  EXPECT_EQ(after.edits.size(), 4u);
  const std::string saved = test::read_bytes(path_);
  out = test::run_capture(lingbi + " edit " + path_.string() + " research --slot 9 --caption X -m /nonexistent.gguf" +
                              gallery + " 2>&1",
                          status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("slot 9 does not exist: the article has 3 slots"), std::string::npos) << out;
  EXPECT_EQ(test::read_bytes(path_), saved);
  out = test::run_capture(lingbi + " edit " + (dir_->path() / "missing.json").string() + " remove-slot --slot 0 2>&1", status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("missing.json"), std::string::npos) << out;
}

}  // namespace
}  // namespace lingbi

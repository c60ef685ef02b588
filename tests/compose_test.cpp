// lingbi compose end to end on the tiny models and a generated gallery of 200 pictures. The words
// are noise; the structure is not: counts, positions, provenance, lengths, seeds, token reuse.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "lingbi/compose/compose.h"
#include "lingbi/compose/text_stats.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/model/local_model.h"
#include "lingbi/model/remote_model.h"
#include "lingbi/render/render.h"
#include "lingbi/util/error.h"
#include "model_support.h"
#include "support/article_schema.h"
#include "support/chromium.h"
#include "support/compose_fixture.h"
#include "support/gallery_fixtures.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "tiny_clip.h"

namespace lingbi {
namespace {

namespace fs = std::filesystem;

class Compose : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = new test::ComposeGallery(200);
    dir_ = &fixture_->dir;
    embedder_ = fixture_->embedder.get();
    gallery_ = fixture_->gallery.get();
  }
  static void TearDownTestSuite() { delete fixture_; }

  static LocalModelOptions writer_options(bool vision = false) { return test::tiny_writer_options(vision); }

  static ComposeResult compose(ChatModel& writer, int images, int words, uint32_t seed, ChatModel* selector = nullptr,
                               bool with_gallery = true) {
    ComposeOptions o;
    o.instruction = "Write about mornings in a quiet city: bakeries, rivers and the first trams.";
    o.images = images;
    o.words = words;
    o.seed = seed;
    ComposeModels m;
    m.writer = &writer;
    m.selector = selector;
    if (with_gallery) {
      m.embedder = embedder_;
      m.gallery = gallery_;
    }
    return compose_article(o, m);
  }

  // Every chosen picture is a gallery image at one of its paths and one of the slot's candidates;
  // no picture is used twice; no two slots follow one paragraph.
  static void expect_sound_slots(const Article& a) {
    std::set<int64_t> ids;
    std::set<int> positions;
    for (const Slot& s : a.slots) {
      EXPECT_TRUE(positions.insert(s.after_paragraph).second) << "two slots after paragraph " << s.after_paragraph;
      EXPECT_GE(s.after_paragraph, 0);
      EXPECT_LT(s.after_paragraph, a.paragraph_count());
      // 4 candidates; 8 when a selector declined the first 4 and was shown 4 more.
      EXPECT_LE(s.candidates.size(), s.selector == "picked" || s.selector == "declined" ? 8u : 4u);
      EXPECT_FALSE(s.caption.empty());
      EXPECT_FALSE(s.query.empty());
      if (!s.chosen) continue;
      ASSERT_TRUE(s.chosen->image_id.has_value());
      EXPECT_TRUE(ids.insert(*s.chosen->image_id).second) << "image " << *s.chosen->image_id << " used twice";
      auto record = gallery_->image(*s.chosen->image_id);
      ASSERT_TRUE(record.has_value()) << "chosen image not in the gallery";
      EXPECT_NE(std::find(record->paths.begin(), record->paths.end(), s.chosen->path), record->paths.end());
      bool among = false;
      for (const Candidate& c : s.candidates) among |= c.image_id == s.chosen->image_id;
      EXPECT_TRUE(among) << "the chosen picture is not one of the candidates";
    }
  }

  static int chosen(const Article& a) {
    int n = 0;
    for (const Slot& s : a.slots) n += s.chosen.has_value();
    return n;
  }

  static int length(const Article& a) {
    int n = 0;
    for (const Section& s : a.sections)
      for (const std::string& p : s.paragraphs) n += count_length(p, a.lang);
    return n;
  }

  static test::ComposeGallery* fixture_;
  static const test::TempDir* dir_;  // shorthands for the fixture's parts
  static ImageEmbedder* embedder_;
  static const Gallery* gallery_;
};

test::ComposeGallery* Compose::fixture_ = nullptr;
const test::TempDir* Compose::dir_ = nullptr;
ImageEmbedder* Compose::embedder_ = nullptr;
const Gallery* Compose::gallery_ = nullptr;

TEST_F(Compose, ExactlyNPicturesForImagesN) {
  for (int n : {1, 3, 5}) {
    LocalModel writer(writer_options());
    ComposeResult r = compose(writer, n, 700, 100 + n);
    const Article& a = r.article;
    SCOPED_TRACE("--images " + std::to_string(n));
    EXPECT_EQ(a.slots.size(), static_cast<size_t>(n));
    EXPECT_EQ(chosen(a), n);
    expect_sound_slots(a);
    test::expect_article_schema(article_to_json(a));
    EXPECT_EQ(a.lang, "en");
    EXPECT_FALSE(a.title.empty());
    EXPECT_GE(a.sections.size(), 2u);
    ASSERT_TRUE(a.seed.has_value());
    EXPECT_EQ(*a.seed, static_cast<int64_t>(100 + n));
    EXPECT_GT(a.tokens.generated, 0);
    for (const char* stage : {"plan_ms", "write_ms", "illustrate_ms", "retrieve_ms", "select_ms", "total_ms"})
      EXPECT_TRUE(a.timings.contains(stage)) << stage;
    if (n == 5) {
      // The page opens in Chromium with every picture loaded; the screenshot is kept.
      const fs::path page = dir_->path() / "five.html";
      render_to_file(a, page, {});
      test::ImageLoad load = test::load_in_chromium(page);
      ASSERT_TRUE(load.ran) << load.output.substr(0, 1000);
      EXPECT_EQ(load.total, 5);
      EXPECT_EQ(load.loaded, 5);
      fs::create_directories(LINGBI_TEST_ARTIFACT_DIR);
      EXPECT_TRUE(test::screenshot_in_chromium(page, fs::path(LINGBI_TEST_ARTIFACT_DIR) / "compose.png", 900, 3000));
    }
  }
}

TEST_F(Compose, AutoPicturesAndLengthOfTwoThousandWords) {
  LocalModel writer(writer_options());
  ComposeResult r = compose(writer, -1, 2000, 9);
  const Article& a = r.article;
  const int words = length(a);
  EXPECT_GE(words, 1500);
  EXPECT_LE(words, 2500);
  EXPECT_GE(chosen(a) * 400, words) << chosen(a) << " pictures for " << words << " words";
  expect_sound_slots(a);
}

// A Chinese instruction gives a Chinese article, its length counted in characters.
TEST_F(Compose, ChineseInstructionGivesAChineseArticleOfTheRightLength) {
  LocalModel writer(writer_options());
  ComposeOptions o;
  o.instruction = "写一篇关于城市清晨的文章：面包店、河流和第一班电车。";
  o.words = 800;
  o.images = 2;
  o.seed = 8;
  ComposeModels m;
  m.writer = &writer;
  m.embedder = embedder_;
  m.gallery = gallery_;
  const Article a = compose_article(o, m).article;
  EXPECT_EQ(a.lang, "zh");
  const int characters = length(a);
  EXPECT_GE(characters, 600);
  EXPECT_LE(characters, 1000);
  EXPECT_EQ(chosen(a), 2);
  expect_sound_slots(a);
}

// An outline in the instruction is kept: its title and its section headings, in order.
TEST_F(Compose, OutlineInTheInstructionIsKept) {
  LocalModel writer(writer_options());
  ComposeOptions o;
  o.instruction = "# Tea in three cities\n## Hangzhou\n## Kyoto\n- Istanbul\nNotes: keep it warm.";
  o.words = 450;
  o.images = 0;
  o.seed = 2;
  ComposeModels m;
  m.writer = &writer;
  const Article a = compose_article(o, m).article;
  EXPECT_EQ(a.title, "Tea in three cities");
  ASSERT_EQ(a.sections.size(), 3u);
  EXPECT_EQ(a.sections[0].heading, "Hangzhou");
  EXPECT_EQ(a.sections[1].heading, "Kyoto");
  EXPECT_EQ(a.sections[2].heading, "Istanbul");
  EXPECT_TRUE(a.slots.empty());
}

TEST_F(Compose, SameSeedSameArticle) {
  auto run = [] {
    LocalModel writer(writer_options());
    nlohmann::json j = article_to_json(compose(writer, 2, 400, 77).article);
    j.erase("timings");
    return j;
  };
  nlohmann::json first = run(), second = run();
  EXPECT_EQ(first, second);
  LocalModel writer(writer_options());
  nlohmann::json other = article_to_json(compose(writer, 2, 400, 78).article);
  EXPECT_NE(first["sections"], other["sections"]);
}

// The questions about the article reuse the KV prefix: what the model evaluates stays within 1.5x
// of the article read once plus each question's own tokens, far below re-reading the article
// for every question.
TEST_F(Compose, QuestionsReuseTheArticleInTheCache) {
  LocalModel writer(writer_options());
  ComposeResult r = compose(writer, 6, 1200, 21);
  const Article& a = r.article;
  ASSERT_EQ(a.slots.size(), 6u);
  std::string text = a.title;
  for (const Section& s : a.sections) {
    text += "\n" + s.heading;
    for (const std::string& p : s.paragraphs) text += "\n\n" + p;
  }
  ChatRequest whole;
  whole.messages = {Message::user(a.instruction), Message::user(text)};
  const int article_tokens = writer.count_prompt_tokens(whole);
  int question_tokens = 0, reread = 0;
  std::string trace;
  for (const Exchange& e : r.exchanges) {
    trace += " (" + std::to_string(e.tokens.prompt_evaluated) + " new, " + std::to_string(e.tokens.prompt_reused) +
             " reused)";
    ChatRequest q;
    q.messages = {Message::user(e.question)};
    question_tokens += writer.count_prompt_tokens(q);
    reread += e.tokens.prompt_total();
  }
  const int64_t evaluated = a.tokens.prompt_evaluated;
  EXPECT_LE(evaluated, 1.5 * (article_tokens + question_tokens))
      << "article " << article_tokens << ", questions " << question_tokens << ", evaluated " << evaluated
      << "; requests:" << trace;
  EXPECT_GT(a.tokens.prompt_reused, evaluated);
  EXPECT_LT(evaluated, reread);
  // Every request is labelled with its stage, in the order the stages run.
  std::vector<std::string> stages;
  for (const Exchange& e : r.exchanges)
    if (stages.empty() || stages.back() != e.stage) stages.push_back(e.stage);
  EXPECT_EQ(stages, (std::vector<std::string>{"plan", "write", "illustrate"}));
}

TEST_F(Compose, VisionModelSelectsAmongCandidates) {
  LocalModel vlm(writer_options(true));
  ComposeResult r = compose(vlm, 2, 400, 5, &vlm);
  const Article& a = r.article;
  ASSERT_EQ(a.slots.size(), 2u);
  expect_sound_slots(a);
  int images_shown = 0;
  for (const Exchange& e : r.exchanges) images_shown += e.images;
  EXPECT_GE(images_shown, 2) << "the selector saw the candidates as pictures";
  for (const Slot& s : a.slots) {
    // Every slot gets a picture: picked by the model, or after two refusals the best score, marked.
    ASSERT_TRUE(s.chosen.has_value());
    EXPECT_FALSE(s.chosen->reason.empty());
    EXPECT_TRUE(s.selector == "picked" || s.selector == "declined") << s.selector;
    if (s.selector == "declined") {
      bool warned = false;
      for (const std::string& w : r.warnings) warned |= w.find("declined") != std::string::npos;
      EXPECT_TRUE(warned) << "a declined slot comes with a warning";
    }
  }
}

TEST_F(Compose, UsersOwnPicturesArePlacedOnceEach) {
  LocalModel vlm(writer_options(true));
  std::vector<std::string> mine;
  for (int i = 0; i < 2; ++i) {
    fs::path p = dir_->path() / ("mine" + std::to_string(i) + ".png");
    test::save_picture(test::make_picture(900 + i, 64, 48), p);
    mine.push_back(p.string());
  }
  ComposeOptions o;
  o.instruction = "A short travel note around my two photos.";
  o.user_images = mine;
  o.images = 2;
  o.words = 300;
  o.seed = 3;
  ComposeModels m;
  m.writer = &vlm;
  m.selector = &vlm;
  ComposeResult r = compose_article(o, m);
  ASSERT_EQ(r.article.slots.size(), 2u);
  std::set<std::string> placed;
  for (const Slot& s : r.article.slots) {
    ASSERT_TRUE(s.chosen.has_value());
    EXPECT_FALSE(s.chosen->image_id.has_value());
    placed.insert(s.chosen->path);
  }
  EXPECT_EQ(placed, std::set<std::string>(mine.begin(), mine.end()));
}

TEST_F(Compose, MorePicturesThanParagraphsAreCappedWithAWarning) {
  LocalModel writer(writer_options());
  ComposeResult r = compose(writer, 40, 200, 4);
  const int paragraphs = r.article.paragraph_count();
  ASSERT_LT(paragraphs, 40);
  EXPECT_EQ(static_cast<int>(r.article.slots.size()), paragraphs);
  bool warned = false;
  for (const std::string& w : r.warnings) warned |= w.find("a paragraph takes at most one") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST_F(Compose, EmptyGalleryGivesAnArticleWithoutPictures) {
  test::TempDir empty;
  auto gallery = Gallery::open_for((empty.path() / "g").string(), *embedder_);
  LocalModel writer(writer_options());
  ComposeOptions o;
  o.instruction = "Rivers";
  o.images = 2;
  o.words = 200;
  o.seed = 1;
  ComposeModels m;
  m.writer = &writer;
  m.embedder = embedder_;
  m.gallery = gallery.get();
  ComposeResult r = compose_article(o, m);
  EXPECT_TRUE(r.article.slots.empty());
  EXPECT_GT(r.article.paragraph_count(), 0);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.back().find("has no images"), std::string::npos) << r.warnings.back();
}

TEST_F(Compose, BadInputIsAClearError) {
  LocalModel writer(writer_options());
  ComposeModels m;
  m.writer = &writer;
  ComposeOptions o;
  o.instruction = "  \n ";
  try {
    compose_article(o, m);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the instruction is empty"), std::string::npos);
  }
  o.instruction = "Rivers";
  const fs::path broken = dir_->path() / "broken.jpg";
  test::write_bytes(broken, "\xFF\xD8\xFF\xE0 not really a jpeg");
  o.user_images = {broken.string()};
  try {
    compose_article(o, m);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.jpg does not decode"), std::string::npos) << e.what();
  }
}

// The same compose against a real llama-server holding the same tiny model. Its Jinja chat
// parser rejects some of the tiny model's noise (stray tool-call tokens) as malformed, which a real
// model does not produce; the legacy template path (--no-jinja) applies the same chat template.
TEST_F(Compose, SameFlowAgainstLlamaServer) {
  test::LlamaServer server({"-c", "16384", "--no-jinja", "--reasoning-format", "none"});
  RemoteModelOptions o;
  o.endpoint = server.url();
  RemoteModel remote(o);
  ComposeResult r = compose(remote, 3, 500, 12);
  EXPECT_EQ(r.article.slots.size(), 3u);
  EXPECT_EQ(chosen(r.article), 3);
  expect_sound_slots(r.article);
  test::expect_article_schema(article_to_json(r.article));
  EXPECT_GT(r.article.tokens.prompt_reused, 0) << "llama-server's prompt cache serves the shared prefix";
}

}  // namespace
}  // namespace lingbi

namespace lingbi {
namespace {

// The command line: errors a user can act on, with the exit status and nothing written.
class ComposeCli : public Compose {
 protected:
  static std::string run(const std::string& args, int& status) {
    return test::run_capture(std::string(LINGBI_TEST_BIN_DIR) + "/lingbi compose " + args + " 2>&1", status);
  }
  static std::string models() { return "-m " + (test::tiny_models() / "llm.gguf").string() + " -t 1 -q "; }
};

TEST_F(ComposeCli, ClearErrorsAndNothingWritten) {
  const fs::path out = dir_->path() / "cli.html";
  const std::string clip = (test::tiny_models() / "clip.gguf").string();
  struct Case {
    std::string args, message;
  } cases[] = {
      {"'' " + models() + "-o " + out.string(), "the instruction is empty"},
      {"Rivers " + models() + "--gallery /nonexistent/gallery --clip " + clip + " -o " + out.string(),
       "gallery /nonexistent/gallery does not exist"},
      // The fixture's gallery remembers no CLIP file and the (empty) model store has none.
      {"Rivers " + models() + "--gallery " + gallery_->dir() + " -o " + out.string(),
       "no CLIP model given (--clip FILE.gguf) and the default one"},
      {"Rivers " + models() + "-o " + (dir_->path() / "cli.pdf").string(), "-o must end in .md, .html or .json"},
      {"Rivers " + models() + "--images many -o " + out.string(), "--images must be auto or a number"},
      {"Rivers -m /nonexistent/model.gguf -o " + out.string(), "/nonexistent/model.gguf"},
  };
  for (const Case& c : cases) {
    int status = 0;
    std::string output = run(c.args, status);
    EXPECT_EQ(status, 1) << c.args << "\n" << output;
    EXPECT_NE(output.find(c.message), std::string::npos) << c.args << "\n" << output;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
}

TEST_F(ComposeCli, GalleryOfAnotherClipModelIsRefused) {
  test::TempDir other;
  dev::write_tiny_clip(other.path(), 99);  // same shape, other weights: another model
  int status = 0;
  std::string output = run("Rivers " + models() + "--gallery " + gallery_->dir() + " --clip " +
                               (other.path() / "clip.gguf").string() + " -o " + (other.path() / "a.html").string(),
                           status);
  EXPECT_EQ(status, 1) << output;
  EXPECT_NE(output.find("was indexed with CLIP model"), std::string::npos) << output;
  EXPECT_NE(output.find("pass the model the gallery was made with"), std::string::npos) << output;
}

TEST_F(ComposeCli, WritesAllThreeFormatsAndExitsZeroWithWarnings) {
  test::TempDir out;
  test::TempDir empty;
  const std::string clip = (test::tiny_models() / "clip.gguf").string();
  {
    auto g = Gallery::open_for((empty.path() / "g").string(), *embedder_);
  }
  int status = 0;
  std::string output = run("'Rivers at dawn' " + models() + "--words 200 --images 2 --seed 3 --gallery " +
                               (empty.path() / "g").string() + " --clip " + clip + " -o " +
                               (out.path() / "a.md").string() + " -o " + (out.path() / "a.html").string() + " -o " +
                               (out.path() / "a.json").string(),
                           status);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("warning: the gallery"), std::string::npos) << output;
  for (const char* name : {"a.md", "a.html", "a.json"}) EXPECT_TRUE(fs::exists(out.path() / name)) << name;
  Article a = load_article(out.path() / "a.json");
  EXPECT_TRUE(a.slots.empty());
  ASSERT_TRUE(a.seed.has_value());
  EXPECT_EQ(*a.seed, 3);
}

}  // namespace
}  // namespace lingbi

// compose_article: runs the stages in order and keeps the provenance of every choice.
#include <vips/vips8>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include "lingbi/compose.h"
#include "lingbi/error.h"
#include "lingbi/gallery.h"
#include "lingbi/slot_plan.h"
#include "lingbi/text_stats.h"
#include "lingbi/vips_init.h"
#include "stages.h"

namespace lingbi {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string strip(const std::string& s) {
  const char* ws = " \t\r\n";
  size_t a = s.find_first_not_of(ws);
  return a == std::string::npos ? std::string() : s.substr(a, s.find_last_not_of(ws) - a + 1);
}

// The user's pictures must exist and decode before any model time is spent.
void check_user_pictures(const std::vector<std::string>& paths) {
  if (paths.size() > 20) throw Error("at most 20 pictures of your own (--image) are supported; got " + std::to_string(paths.size()));
  ensure_vips();
  for (const std::string& path : paths) {
    if (!std::filesystem::is_regular_file(path)) throw Error("picture " + path + " does not exist");
    try {
      vips::VImage::thumbnail(path.c_str(), 64, vips::VImage::option()->set("fail_on", VIPS_FAIL_ON_ERROR)).avg();
    } catch (const vips::VError& e) {
      vips_error_clear();
      throw Error("picture " + path + " does not decode: " + strip(e.what()));
    }
  }
}

}  // namespace

namespace compose {

std::string writer_system_prompt(const std::string& lang) {
  if (lang == "zh")
    return "你是一位擅长写长篇文章的作者。文章用简体中文写作，结构清晰，段落之间空一行。";
  return "You are a skilled writer of long-form articles for blogs and newsletters. Write clear, well-structured "
         "English prose with paragraphs separated by blank lines.";
}

std::string article_text(const Article& article) {
  std::string text = "# " + article.title + "\n";
  int p = 0;
  for (const Section& s : article.sections) {
    text += "\n## " + s.heading + "\n";
    for (const std::string& para : s.paragraphs) text += "\n[" + std::to_string(p++) + "] " + para + "\n";
  }
  return text;
}

}  // namespace compose

ComposeResult compose_article(const ComposeOptions& options, const ComposeModels& models) {
  using namespace compose;
  const auto start = Clock::now();
  if (strip(options.instruction).empty()) throw Error("the instruction is empty: say what the article should be about");
  if (!models.writer) throw Error("no writer model: give one with -m or --endpoint");
  if (options.lang != "auto" && options.lang != "en" && options.lang != "zh")
    throw Error("--lang must be auto, en or zh, not " + options.lang);
  if (options.candidates < 1 || options.candidates > 8) throw Error("--candidates must be between 1 and 8");
  if (models.gallery && !models.embedder) throw Error("a gallery needs the CLIP model it was indexed with (--clip)");
  check_user_pictures(options.user_images);

  ComposeResult result;
  Article& article = result.article;
  article.instruction = options.instruction;
  article.lang = options.lang == "auto" ? detect_language(options.instruction) : options.lang;
  const int length = options.words > 0 ? options.words : default_length(article.lang);
  const uint32_t seed = options.seed ? *options.seed : std::random_device{}();
  article.seed = seed;
  article.models = models.describe;
  auto progress = [&](const std::string& line) {
    if (options.on_progress) options.on_progress(line);
  };

  Conversation writer(*models.writer, seed, article.tokens, result.exchanges);
  writer.add(Message::system(writer_system_prompt(article.lang)));
  writer.add(Message::user("Instruction for the article:\n" + options.instruction));
  // The selector: the writer's own conversation when one model does both (it has the article in
  // its context already), else a conversation of its own that is given the article once.
  std::unique_ptr<Conversation> own_selector;
  Conversation* selector = nullptr;
  if (models.selector == models.writer && models.selector) {
    selector = &writer;
  } else if (models.selector) {
    own_selector = std::make_unique<Conversation>(*models.selector, seed + 100000, article.tokens, result.exchanges);
    selector = own_selector.get();
  }
  auto stage = [&](const char* name) {
    writer.set_stage(name);
    if (own_selector) own_selector->set_stage(name);
  };

  // The user's pictures are described first, so the plan can account for them.
  std::vector<UserPicture> pictures;
  auto t = Clock::now();
  for (const std::string& path : options.user_images) {
    progress("describing " + path);
    stage("describe");
    std::string description;
    if (selector) {
      description = describe_picture(*selector, path, article.lang);
    } else {
      description = std::filesystem::path(path).stem().string();
      result.warnings.push_back("no vision model to describe " + path + ": its file name stands for it");
    }
    pictures.push_back({path, description});
  }
  article.timings["describe_ms"] = ms_since(t);

  t = Clock::now();
  progress("planning");
  stage("plan");
  Outline outline = plan_outline(writer, options.instruction, article.lang, length, pictures);
  article.title = outline.title;
  article.timings["plan_ms"] = ms_since(t);

  t = Clock::now();
  stage("write");
  article.sections = write_sections(writer, outline, article.lang, options);
  article.timings["write_ms"] = ms_since(t);
  const int paragraphs = article.paragraph_count();
  if (paragraphs == 0) throw Error("the writer model produced no text (" + models.writer->describe() + ")");

  // How many pictures, and from where.
  int wanted = options.images >= 0 ? options.images
                                   : auto_image_count(count_length(article_text(article), article.lang), article.lang,
                                                      paragraphs);
  t = Clock::now();
  progress("placing pictures");
  stage("illustrate");
  std::vector<Slot> slots = place_user_pictures(writer, article, pictures, result.warnings);
  int from_gallery = std::max(0, wanted - static_cast<int>(slots.size()));
  if (static_cast<int>(pictures.size()) > wanted && options.images >= 0)
    result.warnings.push_back("--images " + std::to_string(wanted) + " is fewer than your " +
                              std::to_string(pictures.size()) + " pictures: all of yours are placed");
  if (from_gallery > 0 && !models.gallery) {
    if (pictures.empty()) result.warnings.push_back("no gallery given (--gallery): the article comes without pictures");
    from_gallery = 0;
  }
  if (from_gallery > 0 && models.gallery->info().images == 0) {
    result.warnings.push_back("the gallery " + models.gallery->dir() + " has no images: the article comes without pictures from it");
    from_gallery = 0;
  }
  std::vector<int> taken;
  for (const Slot& s : slots) taken.push_back(s.after_paragraph);
  std::vector<Slot> gallery_slots = mark_slots(writer, article, from_gallery, taken, result.warnings);
  article.timings["illustrate_ms"] = ms_since(t);

  // Retrieve and select slot by slot, in reading order, so earlier choices are excluded later.
  double retrieve_ms = 0, select_ms = 0;
  std::vector<int64_t> used;
  std::vector<Slot> chosen_so_far;
  for (size_t i = 0; i < gallery_slots.size(); ++i) {
    Slot& slot = gallery_slots[i];
    progress("choosing picture " + std::to_string(i + 1) + "/" + std::to_string(gallery_slots.size()));
    stage("select");
    t = Clock::now();
    retrieve_candidates(*models.embedder, *models.gallery, slot, used, options.candidates, options.tone_weight);
    retrieve_ms += ms_since(t);
    t = Clock::now();
    if (own_selector && i == 0) own_selector->add(Message::user("The article:\n" + article_text(article)));
    select_picture(selector, article, slot, chosen_so_far, result.warnings);
    select_ms += ms_since(t);
    if (slot.chosen) {
      if (slot.chosen->image_id) used.push_back(*slot.chosen->image_id);
      chosen_so_far.push_back(slot);
    }
  }
  article.timings["retrieve_ms"] = retrieve_ms;
  article.timings["select_ms"] = select_ms;

  slots.insert(slots.end(), gallery_slots.begin(), gallery_slots.end());
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.after_paragraph < b.after_paragraph; });
  article.slots = std::move(slots);
  article.timings["total_ms"] = ms_since(start);
  return result;
}

}  // namespace lingbi

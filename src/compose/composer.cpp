// compose_article: runs the stages in order and keeps the provenance of every choice.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include "lingbi/compose/compose.h"
#include "lingbi/compose/slot_plan.h"
#include "lingbi/compose/text_stats.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"
#include "picture_check.h"
#include "progress.h"
#include "stages.h"

namespace lingbi {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The user's pictures must exist and decode before any model time is spent.
void check_user_pictures(const std::vector<std::string>& paths) {
  if (paths.size() > 20) throw Error("at most 20 pictures of your own (--image) are supported; got " + std::to_string(paths.size()));
  for (const std::string& path : paths) {
    std::string problem = compose::picture_problem(path);
    if (!problem.empty()) throw Error("picture " + path + " " + problem);
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

namespace {

using namespace compose;

ComposeResult result_with(Article article) {
  ComposeResult result;
  result.article = std::move(article);
  return result;
}

// One compose, run step by step from a fresh start or from a partial article. Each step ends with
// a checkpoint: the article so far with its progress, handed to ComposeOptions::on_checkpoint.
class ComposeRun {
 public:
  ComposeRun(const ComposeOptions& options, const ComposeModels& models, Article article, ComposeProgress progress)
      : options_(options), models_(models), result_(result_with(std::move(article))), progress_(std::move(progress)),
        writer_(*models.writer, static_cast<uint32_t>(*result_.article.seed), result_.article.tokens, result_.exchanges) {
    Article& a = result_.article;
    const uint32_t seed = static_cast<uint32_t>(*a.seed);
    a.models = models.describe;
    base_total_ms_ = a.timings.value("total_ms", 0.0);
    // The writer's conversation starts with the system prompt and the instruction; a partial
    // article brings the whole history back.
    writer_.set_cancel(options.cancel);
    if (progress_.writer.is_null()) {
      writer_.add(Message::system(writer_system_prompt(a.lang)));
      writer_.add(Message::user("Instruction for the article:\n" + a.instruction));
    } else {
      writer_.restore(progress_.writer);
    }
    // The selector: the writer's own conversation when one model does both and the selector reads
    // the whole article (it is in that context already), else a conversation of its own that is
    // given selector_brief once.
    if (models.selector && models.selector == models.writer && progress_.select_context == "article") {
      selector_ = &writer_;
    } else if (models.selector) {
      own_selector_ = std::make_unique<Conversation>(*models.selector, seed + 100000, a.tokens, result_.exchanges);
      own_selector_->set_cancel(options.cancel);
      if (!progress_.selector.is_null()) own_selector_->restore(progress_.selector);
      selector_ = own_selector_.get();
    }
    result_.warnings = progress_.warnings;
  }

  // Runs the steps that remain. A fresh compose is saved once before the first step, so even a
  // kill during planning leaves something to resume; a resumed one starts from its file as it is.
  ComposeResult run(bool fresh) {
    if (fresh) checkpoint();
    if (progress_.step == "describe") describe();
    if (progress_.step == "plan") plan();
    if (progress_.step == "write") write();
    if (progress_.step == "illustrate") illustrate();
    if (progress_.step == "select") select();
    Article& a = result_.article;
    a.progress = nullptr;
    a.timings["total_ms"] = base_total_ms_ + ms_since(start_);
    return std::move(result_);
  }

 private:
  void describe() {
    auto t = Clock::now();
    Article& a = result_.article;
    for (UserPicture& picture : progress_.pictures) {
      if (!picture.description.empty()) continue;
      progress("describing " + picture.path);
      stage("describe");
      if (selector_) {
        picture.description = describe_picture(*selector_, picture.path, a.lang);
      } else {
        picture.description = std::filesystem::path(picture.path).stem().string();
        result_.warnings.push_back("no vision model to describe " + picture.path + ": its file name stands for it");
      }
    }
    add_time("describe_ms", t);
    next("plan");
  }

  void plan() {
    auto t = Clock::now();
    Article& a = result_.article;
    progress("planning");
    stage("plan");
    progress_.outline = plan_outline(writer_, a.instruction, a.lang, progress_.length, progress_.pictures);
    a.title = progress_.outline->title;
    add_time("plan_ms", t);
    next("write");
  }

  void write() {
    Article& a = result_.article;
    const Outline& outline = *progress_.outline;
    for (size_t i = a.sections.size(); i < outline.sections.size(); ++i) {
      auto t = Clock::now();
      stage("write");
      a.sections.push_back(write_section(writer_, outline, static_cast<int>(i), a.lang, options_));
      add_time("write_ms", t);
      if (i + 1 < outline.sections.size()) checkpoint();
    }
    if (a.paragraph_count() == 0) throw Error("the writer model produced no text (" + models_.writer->describe() + ")");
    next("illustrate");
  }

  void illustrate() {
    auto t = Clock::now();
    Article& a = result_.article;
    std::vector<std::string>& warnings = result_.warnings;
    const int paragraphs = a.paragraph_count();
    // How many pictures, and from where.
    const int wanted = progress_.images >= 0
                           ? progress_.images
                           : auto_image_count(count_length(article_text(a), a.lang), a.lang, paragraphs);
    progress("placing pictures");
    stage("illustrate");
    std::vector<Slot> slots = place_user_pictures(writer_, a, progress_.pictures, warnings);
    for (Slot& s : slots) s.selector = "user";
    int from_gallery = std::max(0, wanted - static_cast<int>(slots.size()));
    if (static_cast<int>(progress_.pictures.size()) > wanted && progress_.images >= 0)
      warnings.push_back("--images " + std::to_string(wanted) + " is fewer than your " +
                         std::to_string(progress_.pictures.size()) + " pictures: all of yours are placed");
    if (from_gallery > 0 && !models_.gallery) {
      if (progress_.pictures.empty()) warnings.push_back("no gallery given (--gallery): the article comes without pictures");
      from_gallery = 0;
    }
    if (from_gallery > 0 && models_.gallery->info().images == 0) {
      warnings.push_back("the gallery " + models_.gallery->dir() + " has no images: the article comes without pictures from it");
      from_gallery = 0;
    }
    std::vector<int> taken;
    for (const Slot& s : slots) taken.push_back(s.after_paragraph);
    std::vector<Slot> gallery_slots =
        mark_slots(writer_, a, from_gallery, taken, query_language(models_.embedder, a.lang), warnings);
    slots.insert(slots.end(), gallery_slots.begin(), gallery_slots.end());
    std::stable_sort(slots.begin(), slots.end(),
                     [](const Slot& x, const Slot& y) { return x.after_paragraph < y.after_paragraph; });
    a.slots = std::move(slots);
    add_time("illustrate_ms", t);
    next("select");
  }

  // Retrieve and select slot by slot, in reading order, so earlier choices are excluded later.
  void select() {
    Article& a = result_.article;
    std::vector<Slot*> gallery_slots;
    for (Slot& s : a.slots)
      if (s.selector != "user") gallery_slots.push_back(&s);
    if (!models_.gallery && !gallery_slots.empty()) throw Error("this article needs its gallery to go on: give --gallery and --clip");
    SlotFilling filling{models_.embedder, models_.gallery, selector_, progress_.candidates, progress_.tone_weight,
                        progress_.select_context == "passage"};
    std::vector<int64_t> used;
    std::vector<Slot> chosen_so_far;
    for (int i = 0; i < progress_.slots_filled && i < static_cast<int>(gallery_slots.size()); ++i) {
      const Slot& s = *gallery_slots[i];
      if (!s.chosen) continue;
      if (s.chosen->image_id) used.push_back(*s.chosen->image_id);
      chosen_so_far.push_back(s);
    }
    for (size_t i = progress_.slots_filled; i < gallery_slots.size(); ++i) {
      Slot& slot = *gallery_slots[i];
      progress("choosing picture " + std::to_string(i + 1) + "/" + std::to_string(gallery_slots.size()));
      stage("select");
      auto t = Clock::now();
      if (own_selector_ && !own_selector_->has_history())
        own_selector_->add(Message::user(selector_brief(a, progress_.select_context)));
      const double retrieve_ms = fill_slot(filling, a, slot, used, chosen_so_far, unreadable_, result_.warnings);
      nlohmann::json& timings = a.timings;
      timings["retrieve_ms"] = timings.value("retrieve_ms", 0.0) + retrieve_ms;
      timings["select_ms"] = timings.value("select_ms", 0.0) + ms_since(t) - retrieve_ms;
      if (slot.chosen) {
        if (slot.chosen->image_id) used.push_back(*slot.chosen->image_id);
        chosen_so_far.push_back(slot);
      }
      progress_.slots_filled = static_cast<int>(i) + 1;
      if (i + 1 < gallery_slots.size()) checkpoint();
    }
  }

  void next(const char* step) {
    progress_.step = step;
    checkpoint();
  }

  // Hands the article so far to on_checkpoint, then stops if asked to.
  void checkpoint() {
    Article& a = result_.article;
    progress_.writer = writer_.save();
    progress_.selector = own_selector_ ? own_selector_->save() : nlohmann::json();
    progress_.warnings = result_.warnings;
    a.progress = progress_to_json(progress_);
    a.timings["total_ms"] = base_total_ms_ + ms_since(start_);
    if (options_.on_checkpoint) options_.on_checkpoint(a);
    if (options_.cancel && options_.cancel->load()) throw Interrupted();
  }

  void progress(const std::string& line) {
    if (options_.on_progress) options_.on_progress(line);
  }
  void stage(const char* name) {
    writer_.set_stage(name);
    if (own_selector_) own_selector_->set_stage(name);
  }
  void add_time(const char* key, Clock::time_point since) {
    nlohmann::json& timings = result_.article.timings;
    timings[key] = timings.value(key, 0.0) + ms_since(since);
  }

  const ComposeOptions& options_;
  const ComposeModels& models_;
  ComposeResult result_;
  ComposeProgress progress_;
  Conversation writer_;
  std::unique_ptr<Conversation> own_selector_;
  Conversation* selector_ = nullptr;
  std::vector<int64_t> unreadable_;  // gallery pictures found unreadable during this run
  Clock::time_point start_ = Clock::now();
  double base_total_ms_ = 0;
};

void check_models(const ComposeModels& models) {
  if (!models.writer) throw Error("no writer model: give one with -m or --endpoint");
  if (models.gallery && !models.embedder) throw Error("a gallery needs the CLIP model it was indexed with (--clip)");
}

}  // namespace

ComposeResult compose_article(const ComposeOptions& options, const ComposeModels& models) {
  if (strip(options.instruction).empty()) throw Error("the instruction is empty: say what the article should be about");
  check_models(models);
  if (options.lang != "auto" && options.lang != "en" && options.lang != "zh")
    throw Error("--lang must be auto, en or zh, not " + options.lang);
  if (options.candidates < 1 || options.candidates > 8) throw Error("--candidates must be between 1 and 8");
  compose::check_select_context(options.select_context, "--select-context");
  check_user_pictures(options.user_images);

  Article article;
  article.instruction = options.instruction;
  article.lang = options.lang == "auto" ? detect_language(options.instruction) : options.lang;
  article.seed = options.seed ? *options.seed : std::random_device{}();
  for (const char* stage : {"describe_ms", "plan_ms", "write_ms", "illustrate_ms", "retrieve_ms", "select_ms"})
    article.timings[stage] = 0.0;
  ComposeProgress progress;
  progress.step = options.user_images.empty() ? "plan" : "describe";
  progress.length = options.words > 0 ? options.words : default_length(article.lang);
  progress.images = options.images;
  progress.candidates = options.candidates;
  progress.tone_weight = options.tone_weight;
  progress.select_context = options.select_context;
  for (const std::string& path : options.user_images) progress.pictures.push_back({path, ""});
  return ComposeRun(options, models, std::move(article), std::move(progress)).run(true);
}

ComposeResult resume_compose(const Article& partial, const ComposeOptions& options, const ComposeModels& models) {
  if (partial.progress.is_null())
    throw Error("this article is complete: there is nothing to resume (a partial article carries \"progress\")");
  check_models(models);
  ComposeProgress progress = progress_from_json(partial.progress);
  if (!partial.seed) throw Error("progress is malformed: the partial article has no seed");
  if (progress.candidates < 1 || progress.candidates > 8) throw Error("progress is malformed: candidates out of range");
  std::vector<std::string> user_images;
  for (const UserPicture& p : progress.pictures) user_images.push_back(p.path);
  check_user_pictures(user_images);
  return ComposeRun(options, models, partial, std::move(progress)).run(false);
}

}  // namespace lingbi

// The slot edits (research, swap, add-slot, remove-slot), the edit record and editing a file.
#include "lingbi/compose/editor.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <memory>

#include "edit_support.h"
#include "lingbi/compose/text_stats.h"
#include "lingbi/compose/tone.h"
#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"
#include "lingbi/util/utc_time.h"
#include "prompt_terms.h"
#include "stages.h"

namespace lingbi {

namespace compose {

uint32_t edit_seed(const Article& article, const std::optional<uint32_t>& given) {
  if (given) return *given;
  return static_cast<uint32_t>(article.seed.value_or(0) + 7919 * (static_cast<int64_t>(article.edits.size()) + 1));
}

void record_edit(Article& article, const std::string& op, int target, const std::string& detail,
                 nlohmann::json previous, const EditReport& report) {
  article.edits.push_back({op, target, detail, std::move(previous), utc_now()});
  article.tokens.prompt_evaluated += report.tokens.prompt_evaluated;
  article.tokens.prompt_reused += report.tokens.prompt_reused;
  article.tokens.generated += report.tokens.generated;
}

nlohmann::json slot_to_json(const Slot& slot) {
  Article one;  // the article's own conversion, so the record and the file never differ
  one.sections = {{"", std::vector<std::string>(static_cast<size_t>(slot.after_paragraph) + 1)}};
  one.slots = {slot};
  return article_to_json(one)["slots"][0];
}

}  // namespace compose

namespace {

using namespace compose;
using nlohmann::json;

void check_gallery(const EditModels& models, const std::string& op) {
  if (!models.gallery || !models.embedder)
    throw Error(op + " needs the gallery and the CLIP model it was indexed with: give --gallery G --clip C.gguf");
}

// The paragraphs around position `after`, quoted, for questions about a slot.
std::string around(const Article& article, int after) {
  std::string quote;
  for (int p = std::max(0, after - 1); p <= std::min(article.paragraph_count() - 1, after + 1); ++p)
    quote += "\"" + article.paragraph(p) + "\"\n";
  return quote;
}

bool same_picture(const Choice& a, const Candidate& b) {
  if (a.image_id && b.image_id) return *a.image_id == *b.image_id;
  return a.path == b.path;
}

// What the writer model says a picture after paragraph `after` should be: the fields of `wanted`
// ("caption", "query", "tone", "why") that are not given.
json ask_slot_fields(const Article& article, int after, const std::string& caption, const std::vector<std::string>& wanted,
                     const std::string& query_lang, ChatModel& writer, uint32_t seed, EditReport& report) {
  std::vector<Exchange> log;
  Conversation c(writer, seed, report.tokens, log);
  c.add(Message::system(writer_system_prompt(article.lang)));
  json properties = json::object(), required = json::array();
  const std::string language = article.lang == "zh" ? "Simplified Chinese" : "English";
  std::string ask = "A picture goes after paragraph " + std::to_string(after) + " of the article \"" + article.title +
                    "\". The text around it:\n" + around(article, after);
  if (!caption.empty()) ask += "Its caption: " + caption + "\n";
  ask += "Give";
  for (const std::string& field : wanted) {
    if (field == "caption") {
      properties["caption"] = string_schema(60);
      ask += " a caption in " + language + ",";
    } else if (field == "query") {
      properties["query"] = string_schema(80);
      ask += " a search query in " + language_name(query_lang) + " describing what the picture shows,";
    } else if (field == "tone") {
      json tones = json::array();
      for (auto t : tone_names()) tones.push_back(std::string(t));
      properties["tone"] = {{"enum", tones}};
      ask += " the tone it should carry,";
    } else if (field == "why") {
      properties["why"] = string_schema(100);
      ask += " why it belongs there,";
    }
    required.push_back(field);
  }
  ask.back() = '.';
  json schema = {{"type", "object"}, {"properties", properties}, {"required", required}};
  return c.ask_json({ContentPart::of_text(ask)}, schema);
}

// Candidates for `slot` from the gallery (no picture another slot shows) and the choice among them.
void find_picture(const Article& article, int skip, Slot& slot, int k, const SlotSearch& search,
                  const EditModels& models, uint32_t seed, EditReport& report) {
  std::vector<int64_t> used;
  std::vector<Slot> chosen_so_far;
  for (size_t i = 0; i < article.slots.size(); ++i) {
    const Slot& other = article.slots[i];
    if (static_cast<int>(i) == skip || !other.chosen) continue;
    if (other.chosen->image_id) used.push_back(*other.chosen->image_id);
    chosen_so_far.push_back(other);
  }
  std::vector<Exchange> log;
  std::unique_ptr<Conversation> selector;
  if (models.selector) {
    selector = std::make_unique<Conversation>(*models.selector, seed, report.tokens, log);
    selector->add(Message::user(selector_brief(article, search.select_context)));
  }
  std::vector<int64_t> unreadable;
  fill_slot({models.embedder, models.gallery, selector.get(), k, search.tone_weight,
             search.select_context == "passage"},
            article, slot, used, chosen_so_far, unreadable, report.warnings);
}

// The slot's query and its language: --query as given; else, for a multilingual CLIP model (which
// reads the article's language), the caption itself; else an English query written by the writer
// model, or the caption itself when it is English.
void set_query(Slot& slot, const Article& article, int after, const SlotSearch& search, const EditModels& models,
               uint32_t seed, EditReport& report) {
  const std::string query_lang = query_language(models.embedder, article.lang);
  if (!strip(search.query).empty()) {
    slot.query = strip(search.query);
    slot.query_lang = detect_language(slot.query);
    return;
  }
  slot.query_lang = query_lang;
  if (query_lang != "en" && !slot.caption.empty()) {
    slot.query = slot.caption;
    return;
  }
  if (models.writer) {
    slot.query = ask_slot_fields(article, after, slot.caption, {"query"}, query_lang, *models.writer, seed, report)["query"];
    return;
  }
  if (detect_language(slot.caption) == "en") {
    slot.query = slot.caption;
    return;
  }
  throw Error("the caption \"" + slot.caption + "\" is not English: give --query with an English search query, or a "
              "writer model (-m or --endpoint) to write one (the gallery's CLIP model reads English only; a multilingual "
              "one, Chinese-CLIP or SigLIP 2, takes the caption as it is)");
}

}  // namespace

EditReport research_slot(Article& article, int index, const SlotSearch& search, const EditModels& models) {
  check_slot_index(article, index);
  const std::string caption = strip(search.caption);
  if (caption.empty()) throw Error("research needs the slot's new caption (--caption \"...\")");
  check_gallery(models, "research");
  if (search.candidates < 0 || search.candidates > 8) throw Error("--candidates must be between 1 and 8");
  check_select_context(search.select_context, "--select-context");
  EditReport report;
  const uint32_t seed = edit_seed(article, search.seed);
  const Slot& before = article.slots[index];
  Slot slot = before;
  slot.caption = caption;
  if (!strip(search.tone).empty()) slot.tone = strip(search.tone);
  set_query(slot, article, slot.after_paragraph, search, models, seed, report);
  const int k = search.candidates > 0 ? search.candidates
                                      : (before.candidates.empty() ? 4 : static_cast<int>(before.candidates.size()));
  find_picture(article, index, slot, k, search, models, seed + 1, report);
  json previous = slot_to_json(before);
  article.slots[index] = std::move(slot);
  record_edit(article, "research", index, caption, std::move(previous), report);
  return report;
}

EditReport swap_candidate(Article& article, int index, const std::string& letter) {
  check_slot_index(article, index);
  Slot& slot = article.slots[index];
  const int n = static_cast<int>(slot.candidates.size());
  if (n == 0) throw Error("slot " + std::to_string(index) + " has no candidates to swap to: search it again with research");
  const std::string range = n == 1 ? "A" : std::string("A to ") + static_cast<char>('A' + n - 1);
  const char c = letter.size() == 1 ? static_cast<char>(std::toupper(static_cast<unsigned char>(letter[0]))) : 0;
  if (c < 'A' || c >= 'A' + n)
    throw Error("candidate \"" + letter + "\" does not exist: slot " + std::to_string(index) + " has " + std::to_string(n) +
                " candidates, " + range);
  const Candidate& picked = slot.candidates[c - 'A'];
  for (size_t i = 0; i < article.slots.size(); ++i) {
    const Slot& other = article.slots[i];
    if (static_cast<int>(i) != index && other.chosen && same_picture(*other.chosen, picked))
      throw Error("candidate " + std::string(1, c) + " of slot " + std::to_string(index) + " (" + picked.path +
                  ") is already the picture of slot " + std::to_string(i) + ": a picture is used once");
  }
  EditReport report;
  if (slot.chosen && same_picture(*slot.chosen, picked)) {
    report.warnings.push_back("candidate " + std::string(1, c) + " is already the picture of slot " +
                              std::to_string(index) + ": nothing changed");
    return report;
  }
  json previous = slot_to_json(slot)["chosen"];
  slot.chosen = Choice{picked.image_id, picked.path, "chosen by hand (lingbi edit swap)"};
  slot.selector = "hand";
  record_edit(article, "swap", index, std::string(1, c), std::move(previous), report);
  return report;
}

EditReport add_slot(Article& article, int after, const SlotSearch& search, const EditModels& models) {
  article.paragraph(after);  // throws for a paragraph that does not exist
  for (size_t i = 0; i < article.slots.size(); ++i)
    if (article.slots[i].after_paragraph == after)
      throw Error("paragraph " + std::to_string(after) + " already has a picture after it (slot " + std::to_string(i) +
                  "): a paragraph takes at most one; use research or swap on that slot");
  check_select_context(search.select_context, "--select-context");
  Slot slot;
  slot.after_paragraph = after;
  slot.caption = strip(search.caption);
  slot.query = strip(search.query);
  slot.tone = strip(search.tone);
  if (slot.caption.empty() && !models.writer)
    throw Error("add-slot needs --caption, or a writer model (-m or --endpoint) to write one");
  if (models.gallery || models.embedder) check_gallery(models, "add-slot with a gallery");
  if (search.candidates < 0 || search.candidates > 8) throw Error("--candidates must be between 1 and 8");
  EditReport report;
  const uint32_t seed = edit_seed(article, search.seed);
  if (models.writer) {
    std::vector<std::string> wanted;
    if (slot.caption.empty()) wanted.push_back("caption");
    if (slot.query.empty()) wanted.push_back("query");
    if (slot.tone.empty()) wanted.push_back("tone");
    wanted.push_back("why");
    const std::string query_lang = query_language(models.embedder, article.lang);
    json fields = ask_slot_fields(article, after, slot.caption, wanted, query_lang, *models.writer, seed, report);
    slot.query_lang = slot.query.empty() ? query_lang : detect_language(slot.query);
    for (const std::string& f : wanted) {
      std::string& field = f == "caption" ? slot.caption : f == "query" ? slot.query : f == "tone" ? slot.tone : slot.why;
      field = fields[f].get<std::string>();
    }
  } else {
    set_query(slot, article, after, search, models, seed, report);
    if (slot.tone.empty()) slot.tone = "neutral";
    slot.why = "added by hand (lingbi edit add-slot)";
  }
  if (models.gallery) {
    find_picture(article, -1, slot, search.candidates > 0 ? search.candidates : 4, search, models, seed + 1, report);
  } else {
    report.warnings.push_back("no gallery given: the new slot after paragraph " + std::to_string(after) +
                              " has no picture yet; fill it with research --gallery G --clip C.gguf");
  }
  const std::string caption = slot.caption;
  auto at = std::upper_bound(article.slots.begin(), article.slots.end(), after,
                             [](int p, const Slot& s) { return p < s.after_paragraph; });
  article.slots.insert(at, std::move(slot));
  record_edit(article, "add-slot", after, caption, nullptr, report);
  return report;
}

EditReport remove_slot(Article& article, int index) {
  check_slot_index(article, index);
  EditReport report;
  json previous = slot_to_json(article.slots[index]);
  article.slots.erase(article.slots.begin() + index);
  record_edit(article, "remove-slot", index, "", std::move(previous), report);
  return report;
}

void check_slot_index(const Article& article, int slot) {
  const int n = static_cast<int>(article.slots.size());
  if (slot >= 0 && slot < n) return;
  if (n == 0) throw Error("slot " + std::to_string(slot) + " does not exist: the article has no slots (add one with add-slot)");
  throw Error("slot " + std::to_string(slot) + " does not exist: the article has " + std::to_string(n) +
              " slots (numbered from 0)");
}

EditReport edit_article_file(const std::filesystem::path& path, const std::function<EditReport(Article&)>& edit) {
  Article article = load_article(path);
  EditReport report = edit(article);
  save_article(article, path);
  return report;
}

}  // namespace lingbi

// Illustrator: where pictures belong, what each should show (caption, English query) and its tone.
#include <algorithm>
#include <numeric>

#include "lingbi/compose/slot_plan.h"
#include "lingbi/compose/tone.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "prompt_terms.h"
#include "stages.h"

namespace lingbi::compose {

namespace {

using nlohmann::json;

// "Paragraph k begins: ..." for every paragraph: small, and enough to point at one.
std::string paragraph_index(const Article& article) {
  std::string list;
  for (int p = 0; p < article.paragraph_count(); ++p) {
    const std::string& text = article.paragraph(p);
    size_t cut = std::min<size_t>(text.size(), 60);
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;  // whole UTF-8
    list += std::to_string(p) + ": " + text.substr(0, cut) + (cut < text.size() ? "..." : "") + "\n";
  }
  return list;
}

// Distinct positions for `proposed`, avoiding `taken`, paired with the proposals in order.
std::vector<int> positions_avoiding(const std::vector<int>& proposed, int paragraphs, int count,
                                    const std::vector<int>& taken, std::vector<std::string>& warnings) {
  std::vector<int> free;
  for (int p = 0; p < paragraphs; ++p)
    if (std::find(taken.begin(), taken.end(), p) == taken.end()) free.push_back(p);
  std::vector<int> mapped;
  for (int p : proposed)
    mapped.push_back(static_cast<int>(std::lower_bound(free.begin(), free.end(), p) - free.begin()));
  std::vector<int> placed = place_slots(mapped, static_cast<int>(free.size()), count, warnings);
  for (int& p : placed) p = free[p];
  return placed;
}

}  // namespace

std::string query_language(const ImageEmbedder* embedder, const std::string& article_lang) {
  return embedder && embedder->multilingual() && !article_lang.empty() ? article_lang : "en";
}

std::vector<Slot> mark_slots(Conversation& writer, const Article& article, int count, const std::vector<int>& taken,
                             const std::string& query_lang, std::vector<std::string>& warnings) {
  const int paragraphs = article.paragraph_count();
  if (count <= 0 || paragraphs <= 0) return {};
  json tones = json::array();
  for (auto t : tone_names()) tones.push_back(std::string(t));
  json slot = {{"type", "object"},
               {"properties",
                {{"after_paragraph", {{"type", "integer"}, {"minimum", 0}, {"maximum", paragraphs - 1}}},
                 {"caption", string_schema(60)},
                 {"query", string_schema(80)},
                 {"tone", {{"enum", tones}}},
                 {"why", string_schema(100)}}},
               {"required", {"after_paragraph", "caption", "query", "tone", "why"}}};
  const int ask_for = std::min(count, paragraphs);
  json schema = {{"type", "object"},
                 {"properties", {{"slots", {{"type", "array"}, {"minItems", ask_for}, {"maxItems", ask_for}, {"items", slot}}}}},
                 {"required", {"slots"}}};
  std::string ask = "The article will carry " + std::to_string(ask_for) +
                    " pictures. Its paragraphs, numbered from 0, begin:\n" + paragraph_index(article) +
                    "Choose the paragraphs after which a picture belongs, at most one per paragraph. For each give a "
                    "caption in " + language_name(article.lang) +
                    ", a search query in " + language_name(query_lang) +
                    " describing what the picture shows, its tone and why it belongs there.";
  json answer = writer.ask_json({ContentPart::of_text(ask)}, schema);

  std::vector<Slot> slots;
  for (const json& s : answer["slots"])
    slots.push_back({s["after_paragraph"].get<int>(), s["caption"], s["query"], s["tone"], s["why"], {}, std::nullopt, "", query_lang});
  std::stable_sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.after_paragraph < b.after_paragraph; });
  std::vector<int> proposed;
  for (const Slot& s : slots) proposed.push_back(s.after_paragraph);
  std::vector<int> placed = positions_avoiding(proposed, paragraphs, count, taken, warnings);
  slots.resize(std::min(slots.size(), placed.size()));
  for (size_t i = 0; i < slots.size(); ++i) slots[i].after_paragraph = placed[i];
  return slots;
}

std::vector<Slot> place_user_pictures(Conversation& writer, const Article& article,
                                      const std::vector<UserPicture>& pictures, std::vector<std::string>& warnings) {
  const int paragraphs = article.paragraph_count();
  if (pictures.empty() || paragraphs <= 0) return {};
  json schema = {{"type", "object"},
                 {"properties",
                  {{"after_paragraph", {{"type", "integer"}, {"minimum", 0}, {"maximum", paragraphs - 1}}},
                   {"caption", string_schema(60)}}},
                 {"required", {"after_paragraph", "caption"}}};
  std::vector<Slot> slots;
  std::vector<int> proposed;
  for (const UserPicture& picture : pictures) {
    std::string ask = "The author's picture shows: " + picture.description +
                      "\nThe paragraphs, numbered from 0, begin:\n" + paragraph_index(article) +
                      "After which paragraph does it fit best? Give a caption for it in " +
                      language_name(article.lang) + ".";
    json answer = writer.ask_json({ContentPart::of_text(ask)}, schema);
    Slot slot;
    slot.caption = answer["caption"];
    slot.query = picture.description;
    slot.tone = "neutral";
    slot.why = "the author's own picture";
    slot.candidates = {{std::nullopt, picture.path, 1.0}};
    slot.chosen = Choice{std::nullopt, picture.path, "the author's own picture"};
    proposed.push_back(answer["after_paragraph"].get<int>());
    slots.push_back(std::move(slot));
  }
  // Keep each picture as close as possible to where the model put it, one per paragraph.
  std::vector<size_t> order(slots.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return proposed[a] < proposed[b]; });
  std::vector<int> sorted_proposals;
  for (size_t i : order) sorted_proposals.push_back(proposed[i]);
  std::vector<int> placed = positions_avoiding(sorted_proposals, paragraphs, static_cast<int>(slots.size()), {}, warnings);
  std::vector<Slot> result;
  for (size_t k = 0; k < placed.size(); ++k) {
    Slot s = slots[order[k]];
    s.after_paragraph = placed[k];
    result.push_back(std::move(s));
  }
  if (result.size() < slots.size())
    warnings.push_back(std::to_string(slots.size() - result.size()) + " of your pictures were left out: the article has only " +
                       std::to_string(paragraphs) + " paragraphs");
  return result;
}

}  // namespace lingbi::compose

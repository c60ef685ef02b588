// Selector: a vision-language model looks at the candidates with the article in mind and picks one.
#include <algorithm>

#include "lingbi/util/error.h"
#include "prompt_terms.h"
#include "stages.h"

namespace lingbi::compose {

namespace {

using nlohmann::json;

// The paragraph a slot follows, quoted for the selector. The selector's conversation already holds
// the whole article, so the paragraphs around it are not quoted again: each quoted token is one
// more to evaluate (docs/compose.md, "What a selection question quotes").
std::string paragraph_before(const Article& article, int after) {
  if (after < 0 || after >= article.paragraph_count()) return "";
  return "\"" + article.paragraph(after) + "\"\n";
}

}  // namespace

Pick ask_selector(Conversation& selector, const Article& article, const Slot& slot,
                  const std::vector<Candidate>& candidates, const std::vector<Slot>& chosen_so_far) {
  std::vector<ContentPart> question;
  std::string intro = "A picture goes after paragraph " + std::to_string(slot.after_paragraph) +
                      " of the article:\n" + paragraph_before(article, slot.after_paragraph) +
                      "Planned caption: " + slot.caption + " (tone: " + slot.tone + ").\n";
  if (!chosen_so_far.empty()) {
    intro += "Pictures already in the article show:";
    for (const Slot& s : chosen_so_far) intro += "\n- " + s.caption;
    intro += "\n";
  }
  intro += "The candidates:";
  question.push_back(ContentPart::of_text(intro));
  json letters = json::array();
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::string letter(1, static_cast<char>('A' + i));
    letters.push_back(letter);
    question.push_back(ContentPart::of_text("\n" + letter + ":"));
    question.push_back(ContentPart::of_image_file(candidates[i].path));
  }
  letters.push_back("none");
  question.push_back(ContentPart::of_text("\nWhich candidate fits this place best? Answer with its letter, or none if no "
                                          "candidate fits, and a short reason in " + language_name(article.lang) + "."));
  json schema = {{"type", "object"},
                 {"properties",
                  {{"choice", {{"enum", letters}}},
                   {"reason", {{"type", "string"}, {"minLength", 1}, {"maxLength", 120}}}}},
                 {"required", {"choice", "reason"}}};
  json answer = selector.ask_json(std::move(question), schema);
  const std::string choice = answer["choice"];
  Pick pick{std::nullopt, answer["reason"]};
  if (choice != "none") pick.index = static_cast<size_t>(choice[0] - 'A');
  return pick;
}

std::string describe_picture(Conversation& selector, const std::string& path, const std::string& lang) {
  json schema = {{"type", "object"},
                 {"properties", {{"description", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}}}},
                 {"required", {"description"}}};
  json answer = selector.ask_json({ContentPart::of_text("Describe this picture in one sentence, in " +
                                                        language_name(lang) + ":"),
                                   ContentPart::of_image_file(path)},
                                  schema);
  return answer["description"];
}

}  // namespace lingbi::compose

// Selector: a vision-language model looks at the candidates with the picture's place in mind (the
// passage around it, or the whole article) and picks one.
#include <algorithm>

#include "lingbi/util/error.h"
#include "picture_for_model.h"
#include "prompt_terms.h"
#include "stages.h"

namespace lingbi::compose {

namespace {

using nlohmann::json;

// The paragraph a slot follows, quoted for a selector whose conversation holds the whole article:
// the paragraphs around it are not quoted again, since each quoted token is one more to evaluate
// (docs/compose.md, "What the selector reads").
std::string paragraph_before(const Article& article, int after) {
  if (after < 0 || after >= article.paragraph_count()) return "";
  return "\"" + article.paragraph(after) + "\"\n";
}

// The passage a slot sits in, for a selector whose conversation holds only the outline: the
// section's heading, the paragraph before the picture and the one after it in the same section.
std::string passage_around(const Article& article, int after) {
  int first = 0;
  for (const Section& section : article.sections) {
    const int n = static_cast<int>(section.paragraphs.size());
    if (after >= first && after < first + n) {
      std::string text = "A picture goes in the section \"" + section.heading + "\", after this paragraph:\n\"" +
                         section.paragraphs[after - first] + "\"\n";
      if (after + 1 < first + n) text += "The paragraph after it:\n\"" + section.paragraphs[after + 1 - first] + "\"\n";
      return text;
    }
    first += n;
  }
  return "A picture goes after paragraph " + std::to_string(after) + " of the article.\n";
}

}  // namespace

void check_select_context(const std::string& context, const std::string& what) {
  if (context != "passage" && context != "article")
    throw Error(what + " must be passage or article, not \"" + context + "\"");
}

std::string selector_brief(const Article& article, const std::string& context) {
  if (context == "article") return "The article:\n" + article_text(article);
  std::string brief = "You choose pictures for the article \"" + article.title + "\". Its sections:";
  for (size_t i = 0; i < article.sections.size(); ++i)
    brief += "\n" + std::to_string(i + 1) + ". " + article.sections[i].heading;
  return brief;
}

Pick ask_selector(Conversation& selector, const Article& article, const Slot& slot,
                  const std::vector<Candidate>& candidates, const std::vector<Slot>& chosen_so_far,
                  bool passage) {
  std::vector<ContentPart> question;
  std::string intro = passage ? passage_around(article, slot.after_paragraph)
                              : "A picture goes after paragraph " + std::to_string(slot.after_paragraph) +
                                    " of the article:\n" + paragraph_before(article, slot.after_paragraph);
  intro += "Planned caption: " + slot.caption + " (tone: " + slot.tone + ").\n";
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
    question.push_back(picture_for_model(candidates[i].path));
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
                                   picture_for_model(path)},
                                  schema);
  return answer["description"];
}

}  // namespace lingbi::compose

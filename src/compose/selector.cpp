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

// The opening of the paragraph after a picture, quoted up to this many units (words; characters in
// Chinese): what it goes on to is said at its start, and every quoted token is one more to evaluate.
int opening_length(const std::string& lang) { return lang == "zh" ? 60 : 30; }

// The passage a slot sits in, for a selector whose conversation holds only the outline: the
// section's heading, the paragraph before the picture and the opening of the one after it in the
// same section.
std::string passage_around(const Article& article, int after) {
  int first = 0;
  for (const Section& section : article.sections) {
    const int n = static_cast<int>(section.paragraphs.size());
    if (after >= first && after < first + n) {
      std::string text = "A picture goes in the section \"" + section.heading + "\", after this paragraph:\n\"" +
                         section.paragraphs[after - first] + "\"\n";
      if (after + 1 < first + n) {
        const std::string& next = section.paragraphs[after + 1 - first];
        const std::string opening = trim_to_length(next, article.lang, opening_length(article.lang));
        text += "The paragraph after it begins:\n\"" + opening + (opening.size() < next.size() ? "...\"\n" : "\"\n");
      }
      return text;
    }
    first += n;
  }
  return "A picture goes after paragraph " + std::to_string(after) + " of the article.\n";
}

// Shows candidates[first...] labelled with the letters from 'A' + first and asks which fits: the
// index in `candidates` of the one chosen, or none.
Pick ask_letters(Conversation& selector, std::vector<ContentPart> question, const std::vector<Candidate>& candidates,
                 size_t first, const std::string& lang, bool keep) {
  json letters = json::array();
  for (size_t i = first; i < candidates.size(); ++i) {
    std::string letter(1, static_cast<char>('A' + i));
    letters.push_back(letter);
    question.push_back(ContentPart::of_text("\n" + letter + ":"));
    question.push_back(picture_for_model(candidates[i].path));
  }
  letters.push_back("none");
  question.push_back(ContentPart::of_text("\nWhich candidate fits this place best? Answer with its letter, or none if no "
                                          "candidate fits, and a short reason in " + language_name(lang) + "."));
  json schema = {{"type", "object"},
                 {"properties",
                  {{"choice", {{"enum", letters}}},
                   {"reason", {{"type", "string"}, {"minLength", 1}, {"maxLength", 120}}}}},
                 {"required", {"choice", "reason"}}};
  json answer = selector.ask_json(std::move(question), schema, keep);
  const std::string choice = answer["choice"];
  Pick pick{std::nullopt, answer["reason"]};
  if (choice != "none") pick.index = static_cast<size_t>(choice[0] - 'A');
  return pick;
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
                  const std::vector<Candidate>& candidates, const std::vector<Slot>& chosen_so_far, bool passage,
                  bool keep) {
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
  return ask_letters(selector, {ContentPart::of_text(intro)}, candidates, 0, article.lang, keep);
}

Pick ask_selector_again(Conversation& selector, const std::vector<Candidate>& candidates, size_t first,
                        const std::string& lang) {
  return ask_letters(selector, {ContentPart::of_text("More candidates for the same place:")}, candidates, first, lang,
                     false);
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

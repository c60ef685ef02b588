// Planner: the outline of the article as schema-constrained JSON, with word budgets.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"
#include "prompt_terms.h"
#include "stages.h"

namespace lingbi::compose {

namespace {

using nlohmann::json;

// Headings given in the instruction: Markdown headings (## Heading) or top-level list items
// ("- Heading", "1. Heading"). A "# Title" line gives the title.
struct GivenOutline {
  std::string title;
  std::vector<std::string> headings;
};

GivenOutline parse_given_outline(const std::string& instruction) {
  GivenOutline given;
  std::istringstream in(instruction);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ' ' || line[0] == '\t') continue;  // indented: a key point
    line = strip(line);
    if (line.rfind("# ", 0) == 0 && given.title.empty()) {
      given.title = strip(line.substr(2));
    } else if (line.rfind("## ", 0) == 0) {
      given.headings.push_back(strip(line.substr(3)));
    } else if (line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0) {
      given.headings.push_back(strip(line.substr(2)));
    } else if (size_t dot = line.find(". "); dot != std::string::npos && dot > 0 && dot <= 2 &&
                                               std::all_of(line.begin(), line.begin() + dot, ::isdigit)) {
      given.headings.push_back(strip(line.substr(dot + 2)));
    }
  }
  given.headings.erase(std::remove(given.headings.begin(), given.headings.end(), ""), given.headings.end());
  if (given.headings.size() < 2) given.headings.clear();
  return given;
}

// Sections for a length: about one per 350 words (700 characters), 2 to 8.
int section_count(int length, const std::string& lang) {
  double per = lang == "zh" ? 700.0 : 350.0;
  return std::clamp(static_cast<int>(std::lround(length / per)), 2, 8);
}

}  // namespace

Outline plan_outline(Conversation& writer, const std::string& instruction, const std::string& lang, int length,
                     const std::vector<UserPicture>& pictures) {
  GivenOutline given = parse_given_outline(instruction);
  const int sections = given.headings.empty() ? section_count(length, lang) : static_cast<int>(given.headings.size());

  std::string ask = "Plan the article. Reply with JSON: a title and " + std::to_string(sections) +
                    " sections, each with a heading and up to three key points, all in " + language_name(lang) + ".";
  if (!given.headings.empty()) {
    ask += " Keep these section headings, in this order:";
    for (const std::string& h : given.headings) ask += "\n- " + h;
  }
  if (!pictures.empty()) {
    ask += "\nThe article must make use of these pictures the author supplied:";
    for (size_t i = 0; i < pictures.size(); ++i) ask += "\n" + std::to_string(i + 1) + ". " + pictures[i].description;
  }
  json section = {{"type", "object"},
                  {"properties",
                   {{"heading", string_schema(60)},
                    {"key_points", {{"type", "array"}, {"minItems", 1}, {"maxItems", 3}, {"items", string_schema(100)}}}}},
                  {"required", {"heading", "key_points"}}};
  json schema = {{"type", "object"},
                 {"properties",
                  {{"title", string_schema(80)},
                   {"sections", {{"type", "array"}, {"minItems", sections}, {"maxItems", sections}, {"items", section}}}}},
                 {"required", {"title", "sections"}}};
  json answer = writer.ask_json({ContentPart::of_text(ask)}, schema, /*keep=*/true);

  Outline outline;
  outline.title = given.title.empty() ? strip(answer.value("title", "")) : given.title;
  if (outline.title.empty()) throw Error("the writer model planned an article without a title");
  const json& planned = answer["sections"];
  for (int i = 0; i < sections; ++i) {
    PlannedSection s;
    s.heading = given.headings.empty() ? strip(planned[i].value("heading", "")) : given.headings[i];
    for (const json& p : planned[i]["key_points"]) s.key_points.push_back(strip(p.get<std::string>()));
    // Equal budgets that add up to the length exactly.
    s.budget = length / sections + (i < length % sections ? 1 : 0);
    outline.sections.push_back(std::move(s));
  }
  return outline;
}

}  // namespace lingbi::compose

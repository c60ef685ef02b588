// Writer: the article section by section, the outline and the text so far always in context.
#include <algorithm>
#include <cmath>

#include "lingbi/compose/text_stats.h"
#include "prompt_terms.h"
#include "stages.h"

namespace lingbi::compose {

namespace {

constexpr int kMaxContinuations = 8;

}  // namespace

Section write_section(Conversation& writer, const Outline& outline, int i, const std::string& lang,
                      const ComposeOptions& options) {
  const int n = static_cast<int>(outline.sections.size());
  const PlannedSection& planned = outline.sections.at(i);
  if (options.on_progress)
    options.on_progress("writing section " + std::to_string(i + 1) + "/" + std::to_string(n) + ": " + planned.heading);
  if (options.on_text) options.on_text((i ? "\n\n## " : "## ") + planned.heading + "\n\n");

  std::string ask = "Write section " + std::to_string(i + 1) + " of " + std::to_string(n) + ", \"" + planned.heading +
                    "\", in about " + std::to_string(planned.budget) + " " + unit_name(lang) + ".";
  if (!planned.key_points.empty()) {
    ask += " Cover:";
    for (const std::string& p : planned.key_points) ask += "\n- " + p;
  }
  ask += "\nWrite only the section's paragraphs, separated by blank lines, without its heading.";

  // A section may spend at most this many tokens in all, continuations included.
  int tokens_left = token_allowance(planned.budget) * 2;
  ChatResult first = writer.ask({ContentPart::of_text(ask)}, token_allowance(planned.budget), 0.7f, true, options.on_text);
  std::string text = first.text;
  tokens_left -= first.tokens.generated;
  // Short: ask it to go on, in the same conversation, until the budget is nearly met.
  for (int round = 0; round < kMaxContinuations && tokens_left > 0; ++round) {
    const int have = count_length(text, lang);
    if (have * 10 >= planned.budget * 9) break;
    const int missing = planned.budget - have;
    if (options.on_text) options.on_text("\n\n");
    ChatResult more = writer.ask({ContentPart::of_text("Continue the section where it stopped, about " +
                                                       std::to_string(missing) + " more " + unit_name(lang) + ".")},
                                 std::min(tokens_left, token_allowance(missing)), 0.7f, true, options.on_text);
    tokens_left -= more.tokens.generated;
    text += "\n\n" + more.text;
  }
  // Long: cut at the last sentence that fits the budget.
  text = trim_to_length(text, lang, planned.budget);
  return {planned.heading, split_paragraphs(text, lang)};
}

}  // namespace lingbi::compose

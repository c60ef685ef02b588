// Writing one paragraph of a saved article with the writer model, the whole article in context:
// a rewrite of one that is there, or a new one inserted beside it.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "edit_support.h"
#include "lingbi/compose/editor.h"
#include "lingbi/compose/text_stats.h"
#include "lingbi/util/error.h"
#include "lingbi/util/strings.h"
#include "prompt_terms.h"
#include "stages.h"

namespace lingbi {

namespace {

using namespace compose;

// How long the new paragraph should be, in words (English) or characters (Chinese): what the
// model is asked for, the least it is asked to continue to, and the most that is kept.
struct Shape {
  int target = 0;
  int at_least = 0;
  int at_most = 0;
  std::string ask;  // the instruction, in words
};

Shape shape_for(const std::string& how, int have) {
  if (how == "shorter")
    return {std::max(1, have * 6 / 10), 1, std::max(1, have * 3 / 4), "Make it shorter: keep what matters most."};
  if (how == "longer")
    return {have * 16 / 10 + 1, have * 5 / 4 + 1, have * 2 + 10, "Make it longer: add detail and examples."};
  const std::string ask = how.empty() ? "Improve its wording; keep its meaning." : "Rewrite it as asked: " + how;
  return {have, std::max(1, have * 3 / 4), have * 3 / 2 + 10, ask};
}

// The model's text as one paragraph: blocks joined, headings and list markers gone.
std::string one_paragraph(const std::string& text, const std::string& lang) {
  std::string joined;
  for (const std::string& p : split_paragraphs(text, lang)) joined += joined.empty() || lang == "zh" ? p : " " + p;
  return joined;
}

// Where paragraph `index` (over all sections) is: its section and its place in it.
struct Place {
  size_t section = 0;
  size_t index = 0;
};

Place place_of(const Article& article, int index) {
  article.paragraph(index);  // throws for a paragraph that does not exist
  for (size_t s = 0; s < article.sections.size(); ++s) {
    const int n = static_cast<int>(article.sections[s].paragraphs.size());
    if (index < n) return {s, static_cast<size_t>(index)};
    index -= n;
  }
  throw Error("paragraph out of range");  // not reached: checked above
}

constexpr int kMaxContinuations = 4;

// One paragraph from the writer, asked `ask` with the article in context, at least
// shape.at_least long (it is asked to continue when shorter) and at most shape.at_most.
std::string write_paragraph(const Article& article, const std::string& ask, const Shape& shape,
                            const std::optional<uint32_t>& seed,
                            const std::function<void(std::string_view)>& on_text, const EditModels& models,
                            EditReport& report) {
  const std::string& lang = article.lang;
  std::vector<Exchange> log;
  Conversation writer(*models.writer, edit_seed(article, seed), report.tokens, log);
  writer.add(Message::system(writer_system_prompt(lang)));
  writer.add(Message::user("The article, its paragraphs numbered from 0:\n" + article_text(article)));
  const std::string question = ask + " Write about " + std::to_string(shape.target) + " " + unit_name(lang) +
                               ", as one paragraph, without a heading; answer with the new paragraph only.";
  ChatResult first = writer.ask({ContentPart::of_text(question)}, token_allowance(shape.target), 0.7f, true, on_text);
  std::string text = one_paragraph(first.text, lang);
  for (int round = 0; round < kMaxContinuations && count_length(text, lang) < shape.at_least; ++round) {
    const int missing = shape.target - count_length(text, lang);
    if (on_text) on_text(" ");
    ChatResult more = writer.ask({ContentPart::of_text("Continue the paragraph where it stopped, about " +
                                                       std::to_string(missing) + " more " + unit_name(lang) + ".")},
                                 token_allowance(missing), 0.7f, true, on_text);
    const std::string piece = one_paragraph(more.text, lang);
    if (piece.empty()) continue;
    text += (text.empty() || lang == "zh" ? "" : " ") + piece;
  }
  text = trim_to_length(text, lang, shape.at_most);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

}  // namespace

EditReport rewrite_paragraph(Article& article, const RewriteOptions& options, const EditModels& models) {
  const std::string old = article.paragraph(options.paragraph);  // throws for a paragraph that does not exist
  if (!models.writer) throw Error("rewrite needs a writer model: give -m WRITER.gguf or --endpoint URL");
  const Shape shape = shape_for(options.how, std::max(1, count_length(old, article.lang)));
  EditReport report;
  const std::string text = write_paragraph(
      article, "Rewrite paragraph [" + std::to_string(options.paragraph) + "]:\n\"" + old + "\"\n" + shape.ask,
      shape, options.seed, options.on_text, models, report);
  if (count_length(text, article.lang) == 0)
    throw Error("the writer model (" + models.writer->describe() + ") gave no usable text for paragraph " +
                std::to_string(options.paragraph) + "; the article is unchanged");
  const Place at = place_of(article, options.paragraph);
  article.sections[at.section].paragraphs[at.index] = text;
  record_edit(article, "rewrite", options.paragraph, options.how.empty() ? "improve" : options.how, old, report);
  return report;
}

EditReport insert_paragraph(Article& article, const InsertOptions& options, const EditModels& models) {
  const Place at = place_of(article, options.paragraph);
  const std::string instruction = strip(options.instruction);
  const bool given = !strip(options.text).empty();
  if (given == !instruction.empty())
    throw Error("insert-paragraph needs an instruction (what the new paragraph should say) or the paragraph's text, not both");
  if (!given && !models.writer)
    throw Error("insert-paragraph needs a writer model: give -m WRITER.gguf or --endpoint URL");
  const std::string& lang = article.lang;
  const int inserted = options.paragraph + (options.before ? 0 : 1);
  const auto put = [&](const std::string& text, const std::string& detail, EditReport& report) {
    auto& paragraphs = article.sections[at.section].paragraphs;
    paragraphs.insert(paragraphs.begin() + static_cast<std::ptrdiff_t>(at.index + (options.before ? 0 : 1)), text);
    for (Slot& slot : article.slots)
      if (slot.after_paragraph >= inserted) ++slot.after_paragraph;
    record_edit(article, "insert-paragraph", inserted, detail, nullptr, report);
  };
  EditReport report;
  if (given) {
    std::string text, line;
    std::istringstream lines(options.text);
    while (std::getline(lines, line))
      if (const std::string l = strip(line); !l.empty()) text += (text.empty() || lang == "zh" ? "" : " ") + l;
    put(text, "(text given)", report);
    return report;
  }
  int length = options.length;
  if (length <= 0) {
    int total = 0;
    for (const Section& s : article.sections)
      for (const std::string& p : s.paragraphs) total += count_length(p, lang);
    length = std::max(lang == "zh" ? 60 : 40, total / std::max(1, article.paragraph_count()));
  }
  const Shape shape{length, std::max(1, length * 3 / 4), length * 3 / 2 + 10, ""};
  const std::string where = std::string(options.before ? "before" : "after") + " paragraph [" +
                            std::to_string(options.paragraph) + "]";
  const std::string text = write_paragraph(
      article, "Write a new paragraph to go " + where + ", so that the text reads on without a seam: " + instruction,
      shape, options.seed, options.on_text, models, report);
  if (count_length(text, lang) == 0)
    throw Error("the writer model (" + models.writer->describe() + ") gave no usable text for the new paragraph; "
                "the article is unchanged");
  put(text, instruction, report);
  return report;
}

EditReport delete_paragraph(Article& article, int paragraph) {
  const Place at = place_of(article, paragraph);
  if (article.paragraph_count() == 1)
    throw Error("paragraph " + std::to_string(paragraph) + " is the article's only paragraph; it cannot be deleted");
  EditReport report;
  nlohmann::json previous = {{"text", article.paragraph(paragraph)}};
  Section& section = article.sections[at.section];
  section.paragraphs.erase(section.paragraphs.begin() + static_cast<std::ptrdiff_t>(at.index));
  if (section.paragraphs.empty()) {
    previous["section_heading"] = section.heading;
    article.sections.erase(article.sections.begin() + static_cast<std::ptrdiff_t>(at.section));
  }
  // The picture after the deleted paragraph goes to the one before it, when that one has none.
  const auto has_slot = [&](int p) {
    return std::any_of(article.slots.begin(), article.slots.end(), [p](const Slot& s) { return s.after_paragraph == p; });
  };
  for (size_t i = 0; i < article.slots.size(); ++i) {
    Slot& slot = article.slots[i];
    if (slot.after_paragraph != paragraph) continue;
    if (paragraph > 0 && !has_slot(paragraph - 1)) {
      slot.after_paragraph = paragraph - 1;
    } else {
      previous["slot"] = slot_to_json(slot);
      report.warnings.push_back("slot " + std::to_string(i) + " (\"" + slot.caption +
                                "\") was placed after the deleted paragraph and had nowhere to go: removed");
      article.slots.erase(article.slots.begin() + static_cast<std::ptrdiff_t>(i));
    }
    break;
  }
  for (Slot& slot : article.slots)
    if (slot.after_paragraph > paragraph) --slot.after_paragraph;
  record_edit(article, "delete-paragraph", paragraph, "", std::move(previous), report);
  return report;
}

}  // namespace lingbi

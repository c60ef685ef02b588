// Rewriting one paragraph of a saved article with the writer model, the whole article in context.
#include <algorithm>
#include <cctype>

#include "edit_support.h"
#include "lingbi/compose/editor.h"
#include "lingbi/compose/text_stats.h"
#include "lingbi/util/error.h"
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

std::string& paragraph_at(Article& article, int index) {
  for (Section& s : article.sections) {
    if (index < static_cast<int>(s.paragraphs.size())) return s.paragraphs[index];
    index -= static_cast<int>(s.paragraphs.size());
  }
  throw Error("paragraph out of range");  // callers check the index first
}

constexpr int kMaxContinuations = 4;

}  // namespace

EditReport rewrite_paragraph(Article& article, const RewriteOptions& options, const EditModels& models) {
  const std::string old = article.paragraph(options.paragraph);  // throws for a paragraph that does not exist
  if (!models.writer) throw Error("rewrite needs a writer model: give -m WRITER.gguf or --endpoint URL");
  const std::string& lang = article.lang;
  const Shape shape = shape_for(options.how, std::max(1, count_length(old, lang)));
  EditReport report;
  std::vector<Exchange> log;
  Conversation writer(*models.writer, edit_seed(article, options.seed), report.tokens, log);
  writer.add(Message::system(writer_system_prompt(lang)));
  writer.add(Message::user("The article, its paragraphs numbered from 0:\n" + article_text(article)));
  const std::string ask = "Rewrite paragraph [" + std::to_string(options.paragraph) + "]:\n\"" + old + "\"\n" + shape.ask +
                          " Write about " + std::to_string(shape.target) + " " + unit_name(lang) +
                          ", as one paragraph, without a heading; answer with the new paragraph only.";
  ChatResult first = writer.ask({ContentPart::of_text(ask)}, token_allowance(shape.target), 0.7f, true, options.on_text);
  std::string text = one_paragraph(first.text, lang);
  for (int round = 0; round < kMaxContinuations && count_length(text, lang) < shape.at_least; ++round) {
    const int missing = shape.target - count_length(text, lang);
    if (options.on_text) options.on_text(" ");
    ChatResult more = writer.ask({ContentPart::of_text("Continue the paragraph where it stopped, about " +
                                                       std::to_string(missing) + " more " + unit_name(lang) + ".")},
                                 token_allowance(missing), 0.7f, true, options.on_text);
    const std::string piece = one_paragraph(more.text, lang);
    if (piece.empty()) continue;
    text += (text.empty() || lang == "zh" ? "" : " ") + piece;
  }
  text = trim_to_length(text, lang, shape.at_most);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (count_length(text, lang) == 0)
    throw Error("the writer model (" + models.writer->describe() + ") gave no usable text for paragraph " +
                std::to_string(options.paragraph) + "; the article is unchanged");
  paragraph_at(article, options.paragraph) = text;
  record_edit(article, "rewrite", options.paragraph, options.how.empty() ? "improve" : options.how, old, report);
  return report;
}

}  // namespace lingbi

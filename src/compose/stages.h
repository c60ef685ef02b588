// The stages of composing, one file each, called in this order by compose_article (composer.cpp).
#pragma once

#include <string>
#include <vector>

#include "conversation.h"
#include "lingbi/article.h"
#include "lingbi/compose.h"

namespace lingbi::compose {

struct PlannedSection {
  std::string heading;
  std::vector<std::string> key_points;
  int budget = 0;  // words (English) or characters (Chinese)
};

struct Outline {
  std::string title;
  std::vector<PlannedSection> sections;
};

// A picture the user brought, with the selector model's description of it.
struct UserPicture {
  std::string path;
  std::string description;
};

// The writer's system prompt for the article's language (composer.cpp; the editor uses it too).
std::string writer_system_prompt(const std::string& lang);
// The article as the models read it (composer.cpp): title, headings, paragraphs numbered [k].
std::string article_text(const Article& article);

// Planner (planner.cpp): the outline as schema-constrained JSON; budgets that add up to `length`.
// An outline given in the instruction (two or more Markdown headings or list items) is kept.
Outline plan_outline(Conversation& writer, const std::string& instruction, const std::string& lang, int length,
                     const std::vector<UserPicture>& pictures);

// Writer (writer.cpp): every section in turn with the outline and the text so far in context;
// each lands within its budget (continuations when short, trimmed at a sentence when long).
std::vector<Section> write_sections(Conversation& writer, const Outline& outline, const std::string& lang,
                                    const ComposeOptions& options);

// Illustrator (illustrator.cpp): `count` slots at distinct paragraphs, with caption (article's
// language), English query, tone and reason. Positions in `taken` are not used.
std::vector<Slot> mark_slots(Conversation& writer, const Article& article, int count, const std::vector<int>& taken,
                             std::vector<std::string>& warnings);

// The user's pictures (illustrator.cpp too): where each fits, one slot each.
std::vector<Slot> place_user_pictures(Conversation& writer, const Article& article,
                                      const std::vector<UserPicture>& pictures, std::vector<std::string>& warnings);

// Retriever (retriever.cpp): fills slot.candidates with up to `k` gallery images, never one of
// `used`, near duplicates suppressed, re-ranked by the slot's tone.
void retrieve_candidates(ImageEmbedder& embedder, const Gallery& gallery, Slot& slot, const std::vector<int64_t>& used, int k,
                         double tone_weight);

// Selector (selector.cpp): sets slot.chosen from the candidates (or leaves it empty with a warning
// when the selector answers "none"). Without a selector conversation the best score wins.
void select_picture(Conversation* selector, const Article& article, Slot& slot, const std::vector<Slot>& chosen_so_far,
                    std::vector<std::string>& warnings);

// Describes a user's picture with the selector model (selector.cpp).
std::string describe_picture(Conversation& selector, const std::string& path, const std::string& lang);

// Paragraph helpers (text_shape.cpp): split model output into paragraphs without headings or
// Markdown markers; trim text to at most `length` units at a sentence or word boundary.
std::vector<std::string> split_paragraphs(const std::string& text, const std::string& lang);
std::string trim_to_length(const std::string& text, const std::string& lang, int length);

}  // namespace lingbi::compose

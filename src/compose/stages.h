// The stages of composing, one file each, called in this order by compose_article (composer.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conversation.h"
#include "lingbi/article/article.h"
#include "lingbi/compose/compose.h"

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

// Writer (writer.cpp): section `index` of the outline with the outline and the text so far in
// context; it lands within its budget (continuations when short, trimmed at a sentence when long).
Section write_section(Conversation& writer, const Outline& outline, int index, const std::string& lang,
                      const ComposeOptions& options);

// Illustrator (illustrator.cpp): `count` slots at distinct paragraphs, with caption (article's
// language), a search query in `query_lang` ("en" for English-only CLIP models, the article's
// language for multilingual ones; recorded as slot.query_lang), tone and reason. Positions in
// `taken` are not used.
std::vector<Slot> mark_slots(Conversation& writer, const Article& article, int count, const std::vector<int>& taken,
                             const std::string& query_lang, std::vector<std::string>& warnings);

// The language a gallery's queries should be written in: the article's when the CLIP model is
// multilingual, else English.
std::string query_language(const ImageEmbedder* embedder, const std::string& article_lang);

// The user's pictures (illustrator.cpp too): where each fits, one slot each.
std::vector<Slot> place_user_pictures(Conversation& writer, const Article& article,
                                      const std::vector<UserPicture>& pictures, std::vector<std::string>& warnings);

// The slot's query (else its caption) through CLIP's text tower.
std::vector<float> slot_query(ImageEmbedder& embedder, const Slot& slot);

// Retriever (retriever.cpp): up to `k` gallery images for `query` (slot_query), none of `exclude`
// nor of `unreadable`, near duplicates suppressed, re-ranked by the slot's tone. A hit whose file
// cannot be read or decoded any more is skipped with a warning, added to `unreadable`, and the
// next hit takes its place; fewer than `k` only when the gallery has no more.
std::vector<Candidate> retrieve_candidates(const std::vector<float>& query, const Gallery& gallery, const Slot& slot,
                                           const std::vector<int64_t>& exclude, int k, double tone_weight,
                                           std::vector<int64_t>& unreadable, std::vector<std::string>& warnings);

// The selector's answer: the index of the candidate it picked, or none, and its reason.
struct Pick {
  std::optional<size_t> index;
  std::string reason;
};

// Throws unless `context` is "passage" or "article" (ComposeOptions::select_context); `what` names
// the field in the message.
void check_select_context(const std::string& context, const std::string& what);

// What the selector's conversation is given once, before its first question (selector.cpp): for
// "passage" the title and the section headings, for "article" the whole article.
std::string selector_brief(const Article& article, const std::string& context);

// Selector (selector.cpp): the vision-language model, whose conversation holds selector_brief (or
// is the writer's own), sees in a side question where the picture goes, its planned caption, the
// captions of pictures already chosen, and `candidates` as images labelled A, B, C, ... Where the
// picture goes: with `passage`, the section's heading, the paragraph before it and the opening of
// the one after it in the same section; else (the conversation holds the article) the paragraph
// before it. With `keep` (inside a Conversation::Aside) the question stays for ask_selector_again.
Pick ask_selector(Conversation& selector, const Article& article, const Slot& slot,
                  const std::vector<Candidate>& candidates, const std::vector<Slot>& chosen_so_far, bool passage,
                  bool keep = false);

// The follow-up to a kept ask_selector question the model declined: candidates[first...], labelled
// on from the letter after the last one shown. Only the follow-up and its pictures are new to the
// model. Pick::index is an index into `candidates`.
Pick ask_selector_again(Conversation& selector, const std::vector<Candidate>& candidates, size_t first,
                        const std::string& lang);

// What filling a slot needs (slot_filler.cpp).
struct SlotFilling {
  ImageEmbedder* embedder = nullptr;
  const Gallery* gallery = nullptr;
  Conversation* selector = nullptr;  // null: the best retrieval score wins
  int k = 4;                         // candidates offered at a time
  double tone_weight = 0.02;
  bool passage = true;               // ask_selector quotes the passage (select_context "passage")
};

// Fills slot.candidates and slot.chosen, never with one of `used`. The selector sees k
// candidates; when it declines them all it sees the next k once; when it declines those too the
// best retrieval score is placed and slot.selector says "declined". The slot stays empty (with a
// warning) only when the gallery has no unused readable picture. Returns the milliseconds spent
// retrieving (the rest was the selector's).
double fill_slot(const SlotFilling& filling, const Article& article, Slot& slot, const std::vector<int64_t>& used,
                 const std::vector<Slot>& chosen_so_far, std::vector<int64_t>& unreadable,
                 std::vector<std::string>& warnings);

// Describes a user's picture with the selector model (selector.cpp).
std::string describe_picture(Conversation& selector, const std::string& path, const std::string& lang);

// Paragraph helpers (text_shape.cpp): split model output into paragraphs without headings or
// Markdown markers; trim text to at most `length` units at a sentence or word boundary.
std::vector<std::string> split_paragraphs(const std::string& text, const std::string& lang);
std::string trim_to_length(const std::string& text, const std::string& lang, int length);

}  // namespace lingbi::compose

// Editing a saved article: rewrite, insert or delete a paragraph, search a slot's picture again with a new caption,
// swap a picture for another candidate, add or remove a slot. Each edit changes only what it names,
// keeps the provenance (candidates, scores, reasons) and records itself in Article::edits with what
// it replaced. See docs/editing.md.
//
// The edits work on an Article in memory (the server keeps one) and leave it unchanged when they
// throw; edit_article_file loads, edits and saves atomically, so a failed edit leaves the file as
// it was. Slot indexes count Article::slots from 0; paragraph indexes count over all sections from 0.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/article/article.h"
#include "lingbi/model/model.h"

namespace lingbi {

class ImageEmbedder;
class Gallery;

// The models an edit may use; each edit says which it needs and throws lingbi::Error naming the
// missing flag when it is absent. `embedder` and `gallery` go together.
struct EditModels {
  ChatModel* writer = nullptr;    // rewrites paragraphs, writes English queries and captions
  ChatModel* selector = nullptr;  // sees candidates as pictures and picks one; else the best score wins
  ImageEmbedder* embedder = nullptr;
  const Gallery* gallery = nullptr;
};

struct EditReport {
  std::vector<std::string> warnings;  // things the user should know (a slot left without a picture)
  TokenTotals tokens;                 // what the edit cost the models (also added to Article::tokens)
};

struct RewriteOptions {
  int paragraph = 0;
  // "shorter" (about 60% of the length), "longer" (about 160%), or an instruction in words
  // (about the same length). Empty means "improve the wording", same length.
  std::string how;
  std::optional<uint32_t> seed;  // unset: derived from the article's seed and its number of edits
  std::function<void(std::string_view)> on_text;  // receives the new text as it is generated
};

struct InsertOptions {
  int paragraph = 0;  // the paragraph the new one goes next to (in its section)
  bool before = false;  // before it; else after it
  // What the new paragraph says: a one-line outline or an instruction for the writer model.
  std::string instruction;
  // Or the new paragraph itself, taken as it is without a model (a chat answer the author keeps);
  // its line breaks become spaces, so that it stays one paragraph. One of the two is required.
  std::string text;
  int length = 0;  // words (English) or characters (Chinese); 0: the article's average paragraph
  std::optional<uint32_t> seed;
  std::function<void(std::string_view)> on_text;  // receives the new text as it is generated
};

// Where a slot's picture comes from when it is searched again or added.
struct SlotSearch {
  std::string caption;  // research: required; add-slot: optional when a writer model is given
  std::string query;    // retrieval query; empty: the caption for a multilingual CLIP model, else an
                        // English one written by the writer model, or the caption if English
  std::string tone;     // empty: kept (research), written by the writer model or "neutral" (add-slot)
  int candidates = 0;   // candidates to retrieve; 0: as many as before (research) or 4
  double tone_weight = 0.02;
  std::string select_context = "passage";  // as ComposeOptions::select_context
  std::optional<uint32_t> seed;
};

// Rewrites one paragraph with the writer model, the whole article in context. The result is always
// exactly one paragraph (a model's several paragraphs are joined), so the paragraph indexes of the
// slots stay right. "shorter" is trimmed to at most 75% of the old length.
EditReport rewrite_paragraph(Article& article, const RewriteOptions& options, const EditModels& models);

// Writes a new paragraph with the writer model, the whole article in context, and puts it before
// or after paragraph `paragraph` in the same section. The pictures stay with their paragraphs:
// slot indexes do not change, and their paragraph numbers follow the text.
EditReport insert_paragraph(Article& article, const InsertOptions& options, const EditModels& models);

// Deletes paragraph `paragraph`; a section left without paragraphs goes with it (its heading in
// the edit record). A picture placed after the deleted paragraph moves to the paragraph before it
// when that one has none, else it is removed (and kept in the edit record). The only paragraph of
// an article cannot be deleted.
EditReport delete_paragraph(Article& article, int paragraph);

// Gives slot `slot` a new caption, a new English query, new candidates from the gallery (none used
// by another slot) and a new choice by the selector (or the best score).
EditReport research_slot(Article& article, int slot, const SlotSearch& search, const EditModels& models);

// Makes candidate `letter` ("A", "B", ... as the selector saw them) the slot's picture. An image that
// another slot shows is refused.
EditReport swap_candidate(Article& article, int slot, const std::string& letter);

// Adds a slot after paragraph `after` (never a second one after the same paragraph). Without a
// writer model the caption is required. With a gallery its candidates are retrieved and one is
// chosen; without one the slot has no picture yet (a warning; research fills it later).
EditReport add_slot(Article& article, int after, const SlotSearch& search, const EditModels& models);

// Removes slot `slot`; the removed slot stays in the edit record.
EditReport remove_slot(Article& article, int slot);

// Throws lingbi::Error unless `slot` indexes article.slots (the message gives the number of slots).
// For checking a request before loading models.
void check_slot_index(const Article& article, int slot);

// Loads the article at `path`, applies `edit` to it and writes it back atomically. When loading
// or the edit throws, the file is left as it was.
EditReport edit_article_file(const std::filesystem::path& path, const std::function<EditReport(Article&)>& edit);

}  // namespace lingbi

// The article: what `lingbi compose` produces, what the renderers and the editor read, and what
// the JSON file keeps, with the provenance of every picture (candidates, scores, the choice).
// Its JSON form is described by docs/article.schema.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lingbi {

struct Section {
  std::string heading;
  std::vector<std::string> paragraphs;
};

// One retrieval candidate for a slot. Gallery images carry their gallery id; the user's own
// pictures (compose --image) have no id.
struct Candidate {
  std::optional<int64_t> image_id;
  std::string path;
  double score = 0;
};

struct Choice {
  std::optional<int64_t> image_id;
  std::string path;
  std::string reason;
};

// A place for a picture: after paragraph `after_paragraph`, counted over all paragraphs of the
// article from 0.
struct Slot {
  int after_paragraph = 0;
  std::string caption;  // in the article's language, shown under the picture
  std::string query;    // retrieval query: what went through CLIP's text tower
  std::string tone;     // bright, neutral, sombre, ...
  std::string why;      // why a picture belongs here
  std::vector<Candidate> candidates;
  std::optional<Choice> chosen;
  // How the choice was made: "picked" (the vision model chose), "declined" (it declined every
  // candidate twice, so the best retrieval score stands in), "best_score" (no vision model) or
  // "user" (the author's own picture); empty for articles written before this was recorded.
  std::string selector;
  // The query's language: "en" for English-only CLIP models, the article's own language for a
  // multilingual one (Chinese-CLIP, SigLIP 2); empty for articles written before it was recorded.
  std::string query_lang;
};

struct TokenTotals {
  int64_t prompt_evaluated = 0;
  int64_t prompt_reused = 0;
  int64_t generated = 0;
};

// One edit of a saved article (lingbi edit, include/lingbi/compose/editor.h), kept in order so that what
// an edit replaced is never lost.
struct Edit {
  std::string op;           // "rewrite", "research", "swap", "add-slot" or "remove-slot"
  int target = 0;           // the paragraph (rewrite, add-slot) or slot index (others) at the time of the edit
  std::string detail;       // how it was asked: the --how, the new caption, the letter
  nlohmann::json previous;  // what it replaced: the paragraph's text, the slot or its choice; null for none
  std::string at;           // when, UTC, ISO 8601 ("2026-11-29T16:10:00Z")
};

struct Article {
  std::string title;
  std::string lang;  // "en" or "zh"
  std::string instruction;
  std::vector<Section> sections;
  std::vector<Slot> slots;
  nlohmann::json models = nlohmann::json::object();   // which models wrote and selected
  std::optional<int64_t> seed;
  TokenTotals tokens;
  nlohmann::json timings = nlohmann::json::object();  // per stage, milliseconds
  std::vector<Edit> edits;  // in the order they were made; written to JSON only when there are any
  // Present only in a partial article (compose saves OUT.partial.json as it goes): where the
  // compose stopped and what it needs to go on (docs/compose.md, "Partial articles"). Null when
  // the article is complete.
  nlohmann::json progress;

  // Number of paragraphs over all sections.
  int paragraph_count() const;
  // The paragraph with the given index over all sections; throws lingbi::Error when out of range.
  const std::string& paragraph(int index) const;
};

// JSON conversion. article_from_json checks the structure and throws lingbi::Error naming the
// first field that is missing or of the wrong type ("slots[2].after_paragraph: expected integer").
nlohmann::json article_to_json(const Article& article);
Article article_from_json(const nlohmann::json& json);

// Reads an article file; a missing file, broken JSON or a wrong structure throws lingbi::Error
// naming the file.
Article load_article(const std::filesystem::path& path);
// Writes the article atomically (a temporary file renamed over the target), so a crash or a full
// disk never leaves a half-written article in place of the old one.
void save_article(const Article& article, const std::filesystem::path& path);

}  // namespace lingbi

// What a partial article keeps besides its text (Article::progress): the step to run next, the
// content options, the outline, how many slots are filled, the model conversations and the
// warnings so far. Internal to compose; the JSON is described in docs/article.schema.json.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stages.h"

namespace lingbi::compose {

struct ComposeProgress {
  std::string step;  // the next step: "describe", "plan", "write", "illustrate" or "select"
  int length = 0;    // the article's target length (words or Chinese characters)
  int images = -1;   // --images; -1: auto
  int candidates = 4;
  double tone_weight = 0.02;
  std::string select_context = "article";  // what the selector reads; files before it had none
  std::vector<UserPicture> pictures;  // the user's pictures; descriptions once described
  std::optional<Outline> outline;     // once planned
  int slots_filled = 0;               // gallery slots filled so far, in reading order
  nlohmann::json writer;              // Conversation::save() of the writer
  nlohmann::json selector;            // and of a separate selector; null when there is none
  std::vector<std::string> warnings;
};

nlohmann::json progress_to_json(const ComposeProgress& progress);
// Throws lingbi::Error naming the first field that is missing or malformed.
ComposeProgress progress_from_json(const nlohmann::json& json);

}  // namespace lingbi::compose

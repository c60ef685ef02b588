// What the edits (editor.cpp, rewriter.cpp) share: checks of indexes, the edit record, seeds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lingbi/article/article.h"
#include "lingbi/compose/editor.h"

namespace lingbi::compose {

// The seed of an edit: the one given, or one derived from the article's seed and its number of
// edits, so that the same edits of the same article give the same result.
uint32_t edit_seed(const Article& article, const std::optional<uint32_t>& given);

// Appends an Edit with the current UTC time and adds the edit's tokens to the article's totals.
void record_edit(Article& article, const std::string& op, int target, const std::string& detail,
                 nlohmann::json previous, const EditReport& report);

// A slot as the article's JSON writes it.
nlohmann::json slot_to_json(const Slot& slot);

}  // namespace lingbi::compose

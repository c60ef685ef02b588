// Pieces that several stages' prompts and answer schemas share, so that every stage names a
// language, a unit of length and a string field the same way.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lingbi::compose {

// JSON Schema of a non-empty string of at most `max_length` characters.
nlohmann::json string_schema(int max_length);

// The language of `lang` ("zh" or "en") as a prompt names it: "Simplified Chinese", "English".
std::string language_name(const std::string& lang);

// The unit lengths are counted in: "Chinese characters" for "zh", else "words".
std::string unit_name(const std::string& lang);

// A generous token allowance for `units` more words or characters; the text is trimmed afterwards.
int token_allowance(int units);

}  // namespace lingbi::compose

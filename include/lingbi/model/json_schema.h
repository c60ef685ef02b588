// A JSON-schema validator for the subset lingbi's schemas use: type (object, array, string,
// integer, number, boolean, null), properties, required, additionalProperties: false, items,
// enum, const, minimum/maximum (and exclusive), minLength/maxLength (in code points),
// minItems/maxItems. Other keywords are ignored.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lingbi {

// Empty when `value` satisfies `schema`; otherwise a message naming the first violation and where
// it is, as a JSON pointer ("/items/2: string longer than maxLength 8").
std::string json_schema_violation(const nlohmann::json& schema, const nlohmann::json& value);

// Parses `text` as JSON and checks it against `schema_text`. Throws lingbi::Error when either
// does not parse ("the reply is not JSON: ...") or the value violates the schema.
nlohmann::json parse_and_validate(const std::string& schema_text, const std::string& text);

}  // namespace lingbi

#include "prompt_terms.h"

#include <algorithm>

namespace lingbi::compose {

nlohmann::json string_schema(int max_length) {
  return {{"type", "string"}, {"minLength", 1}, {"maxLength", max_length}};
}

std::string language_name(const std::string& lang) { return lang == "zh" ? "Simplified Chinese" : "English"; }

std::string unit_name(const std::string& lang) { return lang == "zh" ? "Chinese characters" : "words"; }

int token_allowance(int units) { return std::clamp(units * 3 + 32, 64, 2048); }

}  // namespace lingbi::compose

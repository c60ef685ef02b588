// Language and length of article text, as lingbi counts them: words in English, characters in
// Chinese (each Han character counts one; a Latin word inside Chinese text counts one too).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lingbi/util/utf8.h"  // valid_utf8, which compose applies to model text, lives there

namespace lingbi {

// "zh" when Han characters make up at least a fifth of the letters in `text`, else "en".
std::string detect_language(std::string_view text);

// Length of `text` in the unit of `lang` ("en": words; "zh": characters as above).
int count_length(std::string_view text, std::string_view lang);

// Byte offsets just past each unit that count_length counts, in order (its size is the length).
std::vector<size_t> unit_ends(std::string_view text, std::string_view lang);

// The default target length of an article: 1,500 words in English, 3,000 characters in Chinese.
int default_length(std::string_view lang);

}  // namespace lingbi

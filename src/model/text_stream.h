// Pure text helpers for streaming generated text: stop strings and incomplete UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lingbi::model_detail {

// Position of the earliest complete occurrence of any of `stops` in `text`, or npos.
size_t find_stop(std::string_view text, const std::vector<std::string>& stops);

// How much of `text` can be shown now: all of it but a trailing piece that may still become a stop
// string, and a trailing incomplete UTF-8 sequence.
size_t safe_prefix_length(std::string_view text, const std::vector<std::string>& stops);

}  // namespace lingbi::model_detail

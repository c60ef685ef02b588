// UTF-8 in one place: checking, repairing and cutting text whose bytes may not be valid UTF-8
// (a model's stray bytes, file names from other systems, sidecar files in a legacy encoding).
#pragma once

#include <string>
#include <string_view>

namespace lingbi {

// Decodes the code point that starts at byte `i` of `s` and advances `i` past it. An invalid byte
// (stray continuation, truncated or overlong sequence, surrogate, above U+10FFFF) decodes as
// U+FFFD and advances `i` by one; a real U+FFFD advances it by three.
char32_t next_code_point(std::string_view s, size_t& i);

// True when every byte of `s` belongs to a well-formed UTF-8 sequence.
bool is_valid_utf8(std::string_view s);

// `text` with every invalid byte (as next_code_point counts them) replaced by U+FFFD: always
// valid UTF-8, identical to `text` when it already was.
std::string valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// sequence (invalid bytes count as one character each).
std::string_view utf8_prefix(std::string_view text, size_t max_bytes);

}  // namespace lingbi

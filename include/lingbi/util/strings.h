// Small string helpers that every module may need.
#pragma once

#include <string>
#include <string_view>

namespace lingbi {

// `s` without the spaces, tabs, carriage returns and line feeds at either end.
std::string strip(std::string_view s);

// `s` with every byte outside A-Z a-z 0-9 - . _ ~ (and the bytes in `also_safe`) written %XX, as
// URLs carry names and query values (UTF-8 as its bytes).
std::string percent_encode(std::string_view s, std::string_view also_safe = "");

}  // namespace lingbi

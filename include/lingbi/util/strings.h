// Small string helpers that every module may need.
#pragma once

#include <string>
#include <string_view>

namespace lingbi {

// `s` without the spaces, tabs, carriage returns and line feeds at either end.
std::string strip(std::string_view s);

}  // namespace lingbi

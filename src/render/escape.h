// Text made safe inside HTML or XML, in element content and in quoted attributes alike.
#pragma once

#include <string>

namespace lingbi::render {

// '&', '<', '>', '"' and '\'' as character references; C0 control characters other than tab,
// newline and return (which XML 1.0 forbids) dropped; everything else as it is.
std::string escape_markup(const std::string& s);

}  // namespace lingbi::render

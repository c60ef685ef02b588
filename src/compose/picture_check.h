// Whether a picture file can be used: it exists, can be read and decodes. Internal to compose.
#pragma once

#include <string>

namespace lingbi::compose {

// Empty when the file at `path` exists and decodes; otherwise what is wrong with it, for a
// message ("does not exist", "does not decode: ...").
std::string picture_problem(const std::string& path);

}  // namespace lingbi::compose

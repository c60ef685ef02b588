// lingbi's version and the llama.cpp it was built against.
#pragma once

#include <string_view>

namespace lingbi {

// lingbi's own version, "MAJOR.MINOR.PATCH".
std::string_view version();

// The full git commit of the llama.cpp tree this build links ("unknown" when the tree had no git).
std::string_view llama_cpp_commit();

}  // namespace lingbi

#include "lingbi/util/version.h"

namespace lingbi {

std::string_view version() { return LINGBI_VERSION; }

std::string_view llama_cpp_commit() { return LINGBI_LLAMA_CPP_COMMIT; }

}  // namespace lingbi

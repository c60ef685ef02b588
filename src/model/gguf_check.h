// Checks that a file is a complete GGUF file before llama.cpp loads it, so that the user gets a
// message naming the problem (missing, not GGUF, truncated) instead of a bare load failure.
#pragma once

#include <filesystem>
#include <string>

namespace lingbi::model_detail {

// Throws lingbi::Error naming `path` and `what` ("model", "mmproj") when the file is missing, is not
// a GGUF file, has a damaged header, or is shorter than its tensors need.
void check_gguf_file(const std::filesystem::path& path, const std::string& what);

}  // namespace lingbi::model_detail

// Reading a whole file into memory.
#pragma once

#include <filesystem>
#include <vector>

namespace lingbi {

// The bytes of the file at `path`. Throws lingbi::Error when it cannot be opened or read; its
// message is the system's reason alone ("No such file or directory"): the caller names the file.
std::vector<unsigned char> read_file_bytes(const std::filesystem::path& path);

}  // namespace lingbi

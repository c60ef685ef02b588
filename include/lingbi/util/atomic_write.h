// Writing a file so that readers see either the old content or the new, never a mix.
#pragma once

#include <filesystem>
#include <string_view>

namespace lingbi {

// Writes `content` to a temporary file beside `path`, flushes it to disk and renames it over
// `path`. On any failure (no space left, no permission) the temporary file is removed, `path` keeps
// its old content, and lingbi::Error says what failed. A file replaced keeps its permission bits
// (an article made private with chmod 600 stays 600); a new file gets 0666 less the umask, as any
// newly created file does.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace lingbi

// Downloading one file from the hub into place, resumable and verified.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "lingbi/hub/hub_file.h"

namespace lingbi {

// `dest` + ".part": the bytes received so far; `dest` + ".part.etag": the content they belong to.
std::filesystem::path partial_path(const std::filesystem::path& dest);
// Bytes already in `dest`'s partial file for the content `etag` (0 when none or for other content).
int64_t partial_bytes(const std::filesystem::path& dest, const std::string& etag);

// Downloads `where` (whose metadata is `info`) to `dest`: follows redirects; continues a partial
// file of the same content with a Range request; checks the size, and the sha256 when the hub gave
// one (and `expected_sha256` when not empty); then renames the file into place. `on_bytes` hears
// every chunk received. Returns the bytes transferred. When the connection breaks, the partial
// file stays for the next attempt and lingbi::Error says so; when the content is wrong, nothing
// is kept and lingbi::Error names both digests.
int64_t download_file(const HubLocation& where, const HubFileInfo& info, const std::filesystem::path& dest,
                      const std::string& token, const std::string& expected_sha256,
                      const std::function<void(int64_t)>& on_bytes);

}  // namespace lingbi

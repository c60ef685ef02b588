// Writing a whole buffer at an offset of an open file, or a clear error: pwrite may write less than
// asked (a full disk, a signal), and what it wrote is not an error by itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lingbi {

// Writes `bytes` bytes of `data` at `offset` of `fd`, going on after short writes and EINTR.
// Throws lingbi::Error naming `path` and the cause ("... (the disk is full)" for ENOSPC, which is
// also what a write that makes no progress reports).
void write_at(int fd, const void* data, size_t bytes, int64_t offset, const std::string& path);

}  // namespace lingbi

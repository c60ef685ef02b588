// Content hashing for identity: xxh3-128 written as 32 lowercase hex digits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lingbi {

// The xxh3-128 hash of `size` bytes at `data`, as 32 lowercase hex digits (high half first).
std::string xxh3_128_hex(const void* data, size_t size);

// The xxh3-128 hash of a whole file, streamed; throws lingbi::Error naming the file when it cannot
// be read.
std::string xxh3_128_file_hex(const std::string& path);

// A 64-bit xxh3 of a string: stable across runs and machines (used for deterministic sharding).
uint64_t xxh3_64(const std::string& text);

}  // namespace lingbi

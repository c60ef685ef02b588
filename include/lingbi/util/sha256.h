// SHA-256 (FIPS 180-4), the digest a model hub publishes for each large file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lingbi {

// Incremental SHA-256: update() with the bytes in order, then hex() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
  std::string hex();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0;  // bytes so far
};

// The SHA-256 of a whole file, streamed; throws lingbi::Error naming the file when it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace lingbi

// xxh3 through libxxhash; the streaming state is owned by a unique_ptr.
#include "lingbi/util/hash.h"

#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "lingbi/util/c_handle.h"
#include "lingbi/util/error.h"

namespace lingbi {

namespace {

std::string to_hex(XXH128_hash_t h) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}


}  // namespace

std::string xxh3_128_hex(const void* data, size_t size) { return to_hex(XXH3_128bits(data, size)); }

std::string xxh3_128_file_hex(const std::string& path) {
  CHandle<std::FILE, std::fclose> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw Error("cannot read " + path + ": " + std::strerror(errno));
  CHandle<XXH3_state_t, XXH3_freeState> state(XXH3_createState());
  XXH3_128bits_reset(state.get());
  std::vector<char> buf(1 << 20);
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), file.get())) > 0) XXH3_128bits_update(state.get(), buf.data(), n);
  if (std::ferror(file.get())) throw Error("error while reading " + path + ": " + std::strerror(errno));
  return to_hex(XXH3_128bits_digest(state.get()));
}

uint64_t xxh3_64(const std::string& text) { return XXH3_64bits(text.data(), text.size()); }

}  // namespace lingbi

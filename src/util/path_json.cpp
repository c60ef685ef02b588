#include "lingbi/util/path_json.h"

#include "base64.hpp"  // llama.cpp's common/base64.hpp

namespace lingbi {

std::string encode_base64(std::string_view bytes) { return base64::encode(bytes.data(), bytes.size()); }

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  try {
    std::string bytes = base64::decode(text.data(), text.size(), base64::alphabet::standard);
    // The decoder stops at the first '='; a canonical encoding of the result must give `text` back.
    if (encode_base64(bytes) != text) return std::nullopt;
    return bytes;
  } catch (const base64_error&) {
    return std::nullopt;
  }
}

}  // namespace lingbi

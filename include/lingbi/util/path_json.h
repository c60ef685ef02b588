// File paths in JSON. JSON text is Unicode but a file name is bytes: a name that is not valid UTF-8
// (a GBK name from a Windows zip, say) cannot be a JSON string as it is. Every JSON that lingbi
// writes with a path (articles, search --json, gallery errors --json) follows one convention:
//   "path":        always present, the path as readable text (invalid bytes shown as U+FFFD);
//   "path_base64": present only when the path is not valid UTF-8, its exact bytes in base64
//                  (RFC 4648, standard alphabet, padded).
// Readers take path_base64 when it is there, else path. docs/article.schema.json documents it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lingbi/util/utf8.h"

namespace lingbi {

// `bytes` in base64 (RFC 4648, standard alphabet, with padding).
std::string encode_base64(std::string_view bytes);

// The bytes that `text` encodes, or nullopt when it is not padded standard base64.
std::optional<std::string> decode_base64(std::string_view text);

// Sets object[key] to the readable form of `path` and, when `path` is not valid UTF-8,
// object[key + "_base64"] to its exact bytes. Json: nlohmann::json or nlohmann::ordered_json.
template <class Json>
void put_path(Json& object, const std::string& key, std::string_view path) {
  object[key] = valid_utf8(path);
  if (!is_valid_utf8(path)) object[key + "_base64"] = encode_base64(path);
}

}  // namespace lingbi

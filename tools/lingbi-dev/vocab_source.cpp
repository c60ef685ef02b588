#include "vocab_source.h"

#include <string>

#include "lingbi/util/error.h"

namespace lingbi::dev {

namespace {

// The bytes a byte-level BPE token stands for (GPT-2's mapping: printable bytes are themselves,
// the other 68 bytes are U+0100 onwards in order).
std::string token_bytes(const std::string& token) {
  static const std::vector<int> byte_of = [] {
    std::vector<int> table(512, -1);
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      table[printable ? b : next++] = b;
    }
    return table;
  }();
  std::string out;
  for (size_t i = 0; i < token.size();) {
    unsigned char c = token[i];
    int cp, len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    cp = len == 1 ? c : c & (0x3F >> (len - 1));
    for (int k = 1; k < len && i + k < token.size(); ++k) cp = (cp << 6) | (token[i + k] & 0x3F);
    i += len;
    if (cp < 0 || cp >= 512 || byte_of[cp] < 0) return {};  // not a byte-level token
    out += static_cast<char>(byte_of[cp]);
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += len;
  }
  return true;
}

}  // namespace

GgufPtr open_vocab(const std::filesystem::path& vocab) {
  gguf_init_params vp{true, nullptr};
  GgufPtr voc(gguf_init_from_file(vocab.c_str(), vp));
  if (!voc) {
    throw Error("cannot read the tokenizer GGUF " + vocab.string() +
                ": pass --vocab with llama.cpp's models/ggml-vocab-qwen2.gguf");
  }
  if (gguf_find_key(voc.get(), "tokenizer.ggml.tokens") < 0)
    throw Error(vocab.string() + " holds no tokenizer (no tokenizer.ggml.tokens)");
  return voc;
}

int64_t vocab_tokens(const gguf_context* voc) {
  return static_cast<int64_t>(gguf_get_arr_n(voc, gguf_find_key(voc, "tokenizer.ggml.tokens")));
}

std::vector<bool> unusual_tokens(const gguf_context* voc) {
  const int64_t tokens = gguf_find_key(voc, "tokenizer.ggml.tokens");
  const int64_t types = gguf_find_key(voc, "tokenizer.ggml.token_type");
  const int64_t n = vocab_tokens(voc);
  std::vector<bool> unusual(static_cast<size_t>(n), false);
  for (int64_t id = 0; id < n; ++id) {
    const std::string text = gguf_get_arr_str(voc, tokens, id);
    const int type = types >= 0 ? static_cast<const int32_t*>(gguf_get_arr_data(voc, types))[id] : 1;
    const bool end = text == "<|im_end|>" || text == "<|endoftext|>";
    const std::string bytes = token_bytes(text);
    const bool plain = type == 1 && !bytes.empty() && valid_utf8(bytes);
    unusual[static_cast<size_t>(id)] = !plain && !end;
  }
  return unusual;
}

}  // namespace lingbi::dev

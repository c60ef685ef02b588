// The tokenizer of a random-weight model, copied from a tokenizer-only GGUF (llama.cpp's
// models/ggml-vocab-*.gguf), and which of its tokens random weights must not favour.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "lingbi/util/ggml_handles.h"

namespace lingbi::dev {

// Opens the tokenizer GGUF (metadata only). Throws lingbi::Error naming the file when it cannot
// be read or holds no tokenizer.ggml.tokens.
GgufPtr open_vocab(const std::filesystem::path& vocab);

// Number of tokens in the tokenizer.
int64_t vocab_tokens(const gguf_context* voc);

// For each token: true when a real model emits it only in context (special tokens such as
// tool-call and thinking markers, and pieces of a UTF-8 character). Random weights would pick them
// anywhere, and such noise makes chat parsers reject the output, so the writers scale their rows
// down. End-of-generation tokens (<|im_end|>, <|endoftext|>) are not unusual.
std::vector<bool> unusual_tokens(const gguf_context* voc);

}  // namespace lingbi::dev

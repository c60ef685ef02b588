// llama.cpp's own quantizer over a GGUF file, for make-model and make-tiny-models.
#pragma once

#include <llama.h>

#include <filesystem>

namespace lingbi::dev {

// Writes `out`: the model at `in` quantized to `type` by llama_model_quantize, on `threads` threads
// (0: llama.cpp's choice). `in` may itself be quantized (q8_0 is requantized). On failure `out` is
// removed and lingbi::Error names both files.
void quantize_model(const std::filesystem::path& in, const std::filesystem::path& out, llama_ftype type,
                    int threads = 0);

}  // namespace lingbi::dev

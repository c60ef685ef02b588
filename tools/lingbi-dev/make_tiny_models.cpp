// `lingbi-dev make-tiny-models DIR`: every tiny random-weight model the tests use, one call per model.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "lingbi/util/error.h"
#include "quantize_model.h"
#include "tiny_chinese_clip.h"
#include "tiny_clip.h"
#include "tiny_siglip.h"
#include "tiny_models.h"

namespace lingbi::dev {

namespace {

struct Options {
  std::string dir;
  uint64_t seed = 42;
  std::string vocab = std::string(LINGBI_LLAMA_CPP_SRC) + "/models/ggml-vocab-qwen2.gguf";
};

// llama.cpp's quantizer reports every tensor; only its warnings and errors are worth a build log.
void warnings_only(ggml_log_level level, const char* text, void*) {
  if (level >= GGML_LOG_LEVEL_WARN) std::fputs(text, stderr);
}

// The text model again, wide enough (256 and 512) for the K-quants' 256-value blocks, in f16 and
// quantized by llama.cpp to q8_0 and q4_K_M: the matrix kernels users' quantized models run, which
// the 64-wide llm.gguf (f16) never reaches.
void write_wide_llms(const std::filesystem::path& dir, const std::string& vocab, uint64_t seed) {
  TinyLlmShape wide;
  wide.embedding = 256;
  wide.feed_forward = 512;
  write_tiny_llm(dir / "llm-wide.gguf", vocab, seed, wide);
  llama_log_set(warnings_only, nullptr);
  quantize_model(dir / "llm-wide.gguf", dir / "llm-wide-q8_0.gguf", LLAMA_FTYPE_MOSTLY_Q8_0);
  quantize_model(dir / "llm-wide.gguf", dir / "llm-wide-q4_K_M.gguf", LLAMA_FTYPE_MOSTLY_Q4_K_M);
}

void run(const Options& o) {
  const std::filesystem::path dir = o.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create directory " + dir.string() + ": " + ec.message());
  write_tiny_llm(dir / "llm.gguf", o.vocab, o.seed);
  write_tiny_mmproj(dir / "mmproj.gguf", o.seed + 1);
  write_tiny_clip(dir, static_cast<uint32_t>(o.seed + 2));
  write_tiny_chinese_clip(dir, static_cast<uint32_t>(o.seed + 3));
  write_tiny_siglip(dir, static_cast<uint32_t>(o.seed + 4));
  write_test_image(dir / "image.png");
  write_wide_llms(dir, o.vocab, o.seed + 5);
  std::printf("wrote llm.gguf, llm-wide{,-q8_0,-q4_K_M}.gguf, mmproj.gguf, clip-hf/, clip.gguf, chinese-clip-hf/, chinese-clip.gguf, siglip-hf/, siglip.gguf "
              "and image.png in %s\n",
              dir.c_str());
}

}  // namespace

void add_make_tiny_models_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("make-tiny-models",
                                 "Write tiny random-weight test models into DIR: llm.gguf (qwen2 with the real "
                                 "Qwen2 tokenizer and chat template), llm-wide.gguf (the same, 256 wide, in f16) with llm-wide-q8_0.gguf and "
                                 "llm-wide-q4_K_M.gguf (quantized by llama.cpp), mmproj.gguf (LLaVA-style mlp projector), clip-hf/ "
                                 "(a Hugging Face CLIP folder), clip.gguf (that folder converted), chinese-clip-hf/ and chinese-clip.gguf "
                                 "(the same for Chinese-CLIP: a BERT text tower with a WordPiece vocabulary), siglip-hf/ and siglip.gguf (SigLIP, "
                                 "with a SentencePiece model trained on a small Chinese and English corpus) and image.png (a small test image)");
  cmd->add_option("dir", o->dir, "Output directory (created if missing)")->required();
  cmd->add_option("--seed", o->seed, "Seed of the random weights (same seed, same bytes)")
      ->capture_default_str();
  cmd->add_option("--vocab", o->vocab, "Tokenizer-only GGUF to copy the tokenizer and chat template from")
      ->capture_default_str();
  cmd->callback([o] { run(*o); });
}

}  // namespace lingbi::dev

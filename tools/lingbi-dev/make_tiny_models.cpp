// `lingbi-dev make-tiny-models DIR`: every tiny random-weight model the tests use, one call per model.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "lingbi/util/error.h"
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
  std::printf("wrote llm.gguf, mmproj.gguf, clip-hf/, clip.gguf, chinese-clip-hf/, chinese-clip.gguf, siglip-hf/, siglip.gguf "
              "and image.png in %s\n",
              dir.c_str());
}

}  // namespace

void add_make_tiny_models_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("make-tiny-models",
                                 "Write tiny random-weight test models into DIR: llm.gguf (qwen2 with the real "
                                 "Qwen2 tokenizer and chat template), mmproj.gguf (LLaVA-style mlp projector), clip-hf/ "
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

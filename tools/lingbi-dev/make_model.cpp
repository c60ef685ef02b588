// `lingbi-dev make-model --like NAME --type T -o FILE [--mmproj FILE]`: a random-weight model with
// the exact architecture, dimensions, tokenizer and chat template of a real one, in f16 or one of
// the usual quantisations (llama.cpp's own quantizer), for benchmarks at real sizes. Never used by
// the tests or CI: the files are gigabytes.
#include <llama.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "commands.h"
#include "lingbi/util/error.h"
#include "quantize_model.h"
#include "real_models.h"

namespace lingbi::dev {

namespace {

namespace fs = std::filesystem;

struct Options {
  std::string like, type = "q4_K_M", out, mmproj;
  uint64_t seed = 42;
  int threads = 0;
  bool list = false;
  std::string vocab = std::string(LINGBI_LLAMA_CPP_SRC) + "/models/ggml-vocab-qwen2.gguf";
};

const std::map<std::string, llama_ftype>& types() {
  static const std::map<std::string, llama_ftype> t = {
      {"f16", LLAMA_FTYPE_MOSTLY_F16},       {"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},
      {"q6_K", LLAMA_FTYPE_MOSTLY_Q6_K},     {"q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M},
      {"q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M}, {"q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},
  };
  return t;
}

// Removes a temporary file when it goes out of scope, whether the work succeeded or not.
struct TempFile {
  fs::path path;
  ~TempFile() {
    std::error_code ec;
    if (!path.empty()) fs::remove(path, ec);
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void report(const fs::path& p, double s) {
  std::printf("wrote %s (%.2f GB) in %.0f s\n", p.c_str(), static_cast<double>(fs::file_size(p)) / 1e9, s);
  std::fflush(stdout);
}

void run(const Options& o) {
  if (o.list) {
    for (const RealModel& m : real_models()) std::printf("%-14s %s\n", m.name.c_str(), m.description.c_str());
    return;
  }
  if (o.like.empty() || o.out.empty()) throw Error("make-model needs --like NAME and -o FILE (see --list)");
  const RealModel& model = real_model(o.like);
  const auto type = types().find(o.type);
  if (type == types().end()) {
    std::string known;
    for (const auto& [name, _] : types()) known += (known.empty() ? "" : ", ") + name;
    throw Error("unknown --type " + o.type + "; known: " + known);
  }
  if (!o.mmproj.empty() && !model.vision) throw Error(model.name + " has no vision part: drop --mmproj");
  const fs::path out = o.out;
  if (out.has_parent_path()) fs::create_directories(out.parent_path());

  auto t0 = std::chrono::steady_clock::now();
  if (type->second == LLAMA_FTYPE_MOSTLY_F16) {
    write_real_text_model(out, model, o.vocab, o.seed);
    report(out, seconds_since(t0));
  } else {
    // The quantizer's input in q8_0 rather than f16: half the disk (8 GB instead of 15 for a 7B).
    TempFile q8{fs::path(out.string() + ".q8_0.tmp")};
    write_real_text_model(q8.path, model, o.vocab, o.seed, GGML_TYPE_Q8_0);
    report(q8.path, seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    quantize_model(q8.path, out, type->second, o.threads);
    report(out, seconds_since(t0));
  }
  if (!o.mmproj.empty()) {
    t0 = std::chrono::steady_clock::now();
    write_real_mmproj(o.mmproj, model, o.seed + 1);
    report(o.mmproj, seconds_since(t0));
  }
}

}  // namespace

void add_make_model_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "make-model",
      "Write a random-weight model with the exact architecture, dimensions, tokenizer and chat template of a real "
      "one (for benchmarks at real sizes; gigabytes, never for tests): the text model written in f16 (or in q8_0 "
      "and then quantized by llama.cpp's own quantizer to --type), and with --mmproj the vision projector in f16");
  cmd->add_option("--like", o->like, "The model to imitate (see --list)");
  cmd->add_option("--type", o->type, "f16, q8_0, q6_K, q5_K_M, q4_K_M or q4_0")->capture_default_str();
  cmd->add_option("-o,--output", o->out, "The text model file to write");
  cmd->add_option("--mmproj", o->mmproj, "Also write the vision projector here (vision-language models only)");
  cmd->add_option("--seed", o->seed, "Seed of the random weights")->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Quantizer threads (0: all)")->capture_default_str();
  cmd->add_option("--vocab", o->vocab, "Tokenizer-only GGUF to copy the tokenizer and chat template from")
      ->capture_default_str();
  cmd->add_flag("--list", o->list, "List the models it can imitate");
  cmd->callback([o] { run(*o); });
}

}  // namespace lingbi::dev

// LocalModel: llama.cpp + mtmd in process, with KV prefix reuse and an image-embedding cache.
// Loading and the request flow live here; see local_prompt.cpp and local_generate.cpp.
#include <algorithm>
#include <thread>

#include "common.h"
#include "gguf.h"
#include "gguf_check.h"
#include "lingbi/util/error.h"
#include "local_model_impl.h"
#include "log.h"

namespace lingbi {

using namespace model_detail;

namespace {

void quiet_log(ggml_log_level, const char*, void*) {}

// llama.cpp's logging is process-wide: quiet unless some LocalModel asked to be verbose.
void set_llama_logging(bool verbose) {
  static std::once_flag backend_once;
  std::call_once(backend_once, [] { llama_backend_init(); });
  llama_log_set(verbose ? nullptr : quiet_log, nullptr);
  mtmd_log_set(verbose ? nullptr : quiet_log, nullptr);
  mtmd_helper_log_set(verbose ? nullptr : quiet_log, nullptr);
  common_log_set_verbosity_thold(verbose ? 0 : -1);
}

std::mutex& logging_mutex() {
  static std::mutex m;
  return m;
}

// Appends error lines of a log to the std::string at `data`.
void capture_errors(ggml_log_level level, const char* text, void* data) {
  if (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_CONT) {
    auto* out = static_cast<std::string*>(data);
    if (level == GGML_LOG_LEVEL_ERROR || !out->empty()) *out += text;
  }
}

}  // namespace

void LocalModel::Impl::load() {
  set_llama_logging(options.verbose);
  check_gguf_file(options.model, "model");
  auto mp = llama_model_default_params();
  mp.n_gpu_layers = options.gpu_layers;
  std::string why;  // llama.cpp says why a model fails only in its log
  {
    std::lock_guard<std::mutex> lock(logging_mutex());
    llama_log_set(capture_errors, &why);
    model.reset(llama_model_load_from_file(options.model.c_str(), mp));
    set_llama_logging(options.verbose);
  }
  if (!model) {
    std::replace(why.begin(), why.end(), '\n', ' ');
    throw Error("model file " + options.model.string() + " could not be loaded by llama.cpp" +
                (why.empty() ? "" : " (" + why + ")") +
                ": is it a model of an architecture this llama.cpp supports?");
  }
  vocab = llama_model_get_vocab(model.get());
  auto cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(std::max(0, options.context));
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = options.threads > 0 ? options.threads : std::min(hw, 8);
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.n_batch = static_cast<uint32_t>(n_batch);
  cp.no_perf = true;
  ctx.reset(llama_init_from_model(model.get(), cp));
  if (!ctx)
    throw Error("cannot create a llama.cpp context of " + std::to_string(options.context) + " tokens for " +
                options.model.string() + ": try a smaller -c");
  n_ctx = static_cast<int>(llama_n_ctx(ctx.get()));
  llama_set_abort_callback(ctx.get(), &Impl::abort_callback, this);
  try {
    templates = common_chat_templates_init(model.get(), options.chat_template);
  } catch (const std::exception& e) {
    throw Error("the chat template in " + options.model.string() + " cannot be used: " + e.what());
  }
  if (!options.mmproj.empty()) load_mmproj(threads);
}

void LocalModel::Impl::load_mmproj(int threads) {
  check_gguf_file(options.mmproj, "mmproj");
  auto mp = mtmd_context_params_default();
  mp.use_gpu = options.gpu_layers != 0;
  mp.n_threads = threads;
  mp.print_timings = false;
  mp.warmup = false;
  // mtmd says why a projector fails only in its log: capture the error lines while loading.
  std::string why;
  {
    std::lock_guard<std::mutex> lock(logging_mutex());
    mtmd_log_set(capture_errors, &why);
    mtmd.reset(mtmd_init_from_file(options.mmproj.c_str(), model.get(), mp));
    set_llama_logging(options.verbose);
  }
  if (!mtmd) {
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    std::replace(why.begin(), why.end(), '\n', ' ');
    const bool mismatch = why.find("mismatch") != std::string::npos;
    throw Error("mmproj " + options.mmproj.string() +
                (mismatch ? " does not fit model " : " could not be loaded for model ") +
                options.model.string() + (why.empty() ? "" : " (" + why + ")") +
                "; use the mmproj made for this model");
  }
}

ChatResult LocalModel::Impl::chat(const ChatRequest& req) {
  std::lock_guard<std::mutex> lock(mutex);
  cancel = req.cancel;
  struct ResetCancel {
    Impl* self;
    ~ResetCancel() { self->cancel = nullptr; }
  } reset{this};

  ChatResult result;
  const auto t0 = std::chrono::steady_clock::now();
  Prompt p = build_prompt(req);
  const size_t n_prompt = p.keys.size();
  if (static_cast<int>(n_prompt) >= n_ctx) {
    throw Error("the prompt has " + std::to_string(n_prompt) + " tokens but the context holds " +
                std::to_string(n_ctx) + ": raise -c or shorten the request");
  }
  size_t keep = reusable_prefix(cached, p.keys, p.image_spans);
  llama_memory_t mem = llama_get_memory(ctx.get());
  if (!llama_memory_seq_rm(mem, 0, static_cast<llama_pos>(keep), -1)) {
    llama_memory_clear(mem, true);
    keep = 0;
  }
  cached.resize(keep);
  result.tokens.prompt_reused = static_cast<int>(keep);
  const bool evaluated = evaluate(p, keep);
  result.tokens.prompt_evaluated = static_cast<int>(cached.size() - keep);
  result.prompt_ms = ms_since(t0);
  if (!evaluated) {
    result.finish = FinishReason::cancelled;
    return result;
  }
  generate(req, p, result);
  return result;
}

LocalModel::LocalModel(const LocalModelOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->load();
}

LocalModel::~LocalModel() = default;

ChatResult LocalModel::chat(const ChatRequest& request) { return impl_->chat(request); }

std::string LocalModel::describe() const {
  std::string d = "local " + impl_->options.model.string();
  if (impl_->mtmd) d += " + " + impl_->options.mmproj.string();
  return d;
}

bool LocalModel::supports_images() const { return impl_->mtmd != nullptr; }

int LocalModel::count_prompt_tokens(const ChatRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return static_cast<int>(impl_->build_prompt(request).keys.size());
}

void LocalModel::clear_cache() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  llama_memory_clear(llama_get_memory(impl_->ctx.get()), true);
  impl_->cached.clear();
}

int LocalModel::images_encoded() const { return impl_->images_encoded.load(); }

}  // namespace lingbi

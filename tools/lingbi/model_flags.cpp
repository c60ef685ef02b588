#include "model_flags.h"

#include "lingbi/util/error.h"
#include "store_models.h"

namespace lingbi::cli {

nlohmann::json ModelFlags::describe() const {
  if (!remote.endpoint.empty()) return {{"kind", "remote"}, {"endpoint", remote.endpoint}, {"model", remote.model}};
  nlohmann::json j = {{"kind", "local"}, {"model", local.model.filename().string()}};
  if (!local.mmproj.empty()) j["mmproj"] = local.mmproj.filename().string();
  return j;
}

void add_model_flags(CLI::App* cmd, ModelFlags& f, const std::string& prefix) {
  if (prefix.empty()) {
    cmd->add_option("-m,--model", f.local.model,
                    "GGUF model run in this process, or a preset's name (default: the default preset's, from the "
                    "model store; see lingbi pull)");
    cmd->add_option("--mmproj", f.local.mmproj, "Multimodal projector (GGUF) for -m, so it sees images");
    cmd->add_option("--endpoint", f.remote.endpoint, "OpenAI-compatible server instead of -m (http://host:port)");
    cmd->add_option("--api-model", f.remote.model, "Model name sent to --endpoint");
    cmd->add_option("--api-key", f.remote.api_key, "API key for --endpoint")->envname("LINGBI_API_KEY");
    cmd->add_option("--retries", f.remote.retries,
                    "Extra attempts when --endpoint cannot be reached or answers 5xx; waits 0.5 s, then twice as long "
                    "each time")->capture_default_str();
    cmd->add_option("-c,--ctx-size", f.local.context, "Context size in tokens (0: the model's own)")->capture_default_str();
    cmd->add_option("-t,--threads", f.local.threads, "CPU threads (0: all cores, at most 8)")->capture_default_str();
    cmd->add_option("--n-gpu-layers", f.local.gpu_layers, "(also -ngl) Layers offloaded to a GPU when the build has one")
        ->capture_default_str();
    return;
  }
  const std::string p = "--" + prefix;
  cmd->add_option(p, f.local.model, "GGUF vision-language model that selects pictures (default: the writer)");
  cmd->add_option(p + "-mmproj", f.local.mmproj, "Multimodal projector for " + p);
  cmd->add_option(p + "-endpoint", f.remote.endpoint, "OpenAI-compatible server for selecting pictures");
  cmd->add_option(p + "-api-model", f.remote.model, "Model name sent to " + p + "-endpoint");
  cmd->add_option(p + "-api-key", f.remote.api_key, "API key for " + p + "-endpoint");
}

std::unique_ptr<ChatModel> make_model(ModelFlags& f, const std::string& what) {
  if (!f.local.model.empty() && !f.remote.endpoint.empty())
    throw Error(what + ": give either a local model or an endpoint, not both");
  if (!f.remote.endpoint.empty()) return std::make_unique<RemoteModel>(f.remote);
  resolve_model(f, what);
  return std::make_unique<LocalModel>(f.local);
}

std::unique_ptr<ChatModel> make_selector(ModelFlags& selector, const ModelFlags& writer) {
  if (!selector.given()) return nullptr;
  selector.local.context = writer.local.context;
  selector.local.threads = writer.local.threads;
  selector.local.gpu_layers = writer.local.gpu_layers;
  selector.remote.retries = writer.remote.retries;
  return make_model(selector, "selector (--vlm)");
}

}  // namespace lingbi::cli

#include "lingbi/model/devices.h"

#include "ggml-backend.h"
#include "llama.h"

namespace lingbi {

namespace {

void quiet_log(ggml_log_level, const char*, void*) {}

}  // namespace

std::vector<ComputeDevice> compute_devices() {
  llama_log_set(quiet_log, nullptr);  // backends that find no device say so on the log
  llama_backend_init();
  std::vector<ComputeDevice> devices;
  for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
    ggml_backend_dev_t dev = ggml_backend_dev_get(i);
    size_t free_bytes = 0, total_bytes = 0;
    ggml_backend_dev_memory(dev, &free_bytes, &total_bytes);
    devices.push_back({ggml_backend_dev_name(dev), ggml_backend_dev_description(dev), total_bytes});
  }
  llama_backend_free();
  return devices;
}

std::string cpu_features() { return llama_print_system_info(); }

}  // namespace lingbi

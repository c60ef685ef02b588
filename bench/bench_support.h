// Small pieces the benchmarks share: settings from the environment, and the model wrapper that
// stands for the flow without prefix reuse.
#pragma once

#include <cstdlib>
#include <string>

#include "lingbi/model/local_model.h"

namespace lingbi::bench {

// $name, or `fallback` when it is unset or empty.
inline std::string env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
inline int env_int(const char* name, int fallback) { return std::stoi(env(name, std::to_string(fallback))); }

// A LocalModel that forgets its KV cache before every request: the flow that re-reads everything.
class NoReuse : public ChatModel {
 public:
  explicit NoReuse(LocalModel& model) : model_(model) {}
  ChatResult chat(const ChatRequest& request) override {
    model_.clear_cache();
    return model_.chat(request);
  }
  std::string describe() const override { return model_.describe() + " without prefix reuse"; }

 private:
  LocalModel& model_;
};

}  // namespace lingbi::bench

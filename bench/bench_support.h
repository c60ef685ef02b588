// Small pieces the benchmarks share: settings from the environment, the model wrapper that stands
// for the flow without prefix reuse, and runs of the benchmark itself in a child process.
#pragma once

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>  // environ

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/model/local_model.h"
#include "lingbi/util/error.h"

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

// The children started after this wait for each other as `lingbi` makes its own threads wait
// (lingbi/util/thread_wait.h: OMP_WAIT_POLICY=passive unless the environment chose a policy).
inline void wait_as_lingbi_does() {
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) setenv("OMP_WAIT_POLICY", "passive", 1);
}

// Runs this program again with `args` and then `result` as arguments, in the current environment,
// and returns the JSON the child wrote to `result`, with its peak memory added as "peak_mb" (so
// each run's memory is its own).
inline nlohmann::json run_self(const std::vector<std::string>& args, const std::filesystem::path& result) {
  std::vector<std::string> argv = {"/proc/self/exe"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(result.string());
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, raw.data(), environ) != 0)
    throw Error("cannot start a child process");
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error("the run \"" + args.front() + " " + args.at(1) + "\" failed");
  nlohmann::json out = nlohmann::json::parse(std::ifstream(result));
  out["peak_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
  return out;
}

}  // namespace lingbi::bench

// How the model threads wait (lingbi/util/thread_wait.h): the time per generated token with
// libgomp's default wait (spin, then sleep) against OMP_WAIT_POLICY=passive (sleep at once), which
// `lingbi` chooses unless the environment sets a policy. Each run is a child process (libgomp
// reads the policy when it loads), and the two alternate, ROUNDS times each, so that a machine
// whose speed drifts slows both alike. Also one thread alone, for scale.
//
//   LINGBI_BENCH_MODEL   default ~/.cache/lingbi/bench-models/qwen2.5-vl-3b-q4_K_M.gguf (made by
//                        `lingbi-dev make-model`, docs/performance.md); the tiny model also works
//   LINGBI_BENCH_THREADS (2), LINGBI_BENCH_TOKENS (64), LINGBI_BENCH_ROUNDS (3)
//   build/bin/bench_thread_wait
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "lingbi/model/local_model.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using lingbi::bench::env;
using lingbi::bench::env_int;

// The child: loads the model, generates up to `tokens` tokens of free text, writes ms per token.
json generate(int threads, int tokens) {
  lingbi::LocalModelOptions o;
  o.model = env("LINGBI_BENCH_MODEL", env("HOME", "/root") + "/.cache/lingbi/bench-models/qwen2.5-vl-3b-q4_K_M.gguf");
  o.threads = threads;
  o.context = 1024;
  lingbi::LocalModel model(o);
  lingbi::ChatRequest r;
  r.messages = {lingbi::Message::user("Write about a harbour town at dawn.")};
  r.sampling.seed = 1;
  r.sampling.max_tokens = tokens;
  const lingbi::ChatResult res = model.chat(r);
  return {{"ms_per_token", res.generation_ms / std::max(1, res.tokens.generated)},
          {"generated", res.tokens.generated}};
}

struct Way {
  const char* name;
  const char* policy;  // OMP_WAIT_POLICY, or nullptr for libgomp's default
  int threads;
};

int run_all() {
  const int threads = env_int("LINGBI_BENCH_THREADS", 2), tokens = env_int("LINGBI_BENCH_TOKENS", 64);
  const int rounds = env_int("LINGBI_BENCH_ROUNDS", 3);
  const std::vector<Way> ways = {{"default wait", nullptr, threads}, {"passive", "passive", threads}, {"1 thread", nullptr, 1}};
  const fs::path result = fs::temp_directory_path() / ("lingbi-bench-thread-wait-" + std::to_string(::getpid()) + ".json");
  unsetenv("GOMP_SPINCOUNT");
  std::map<std::string, std::vector<double>> ms;
  for (int round = 0; round < rounds; ++round)
    for (const Way& w : ways) {
      if (w.policy) setenv("OMP_WAIT_POLICY", w.policy, 1);
      else unsetenv("OMP_WAIT_POLICY");
      const json r = lingbi::bench::run_self({"--child", std::to_string(w.threads), std::to_string(tokens)}, result);
      ms[w.name].push_back(r["ms_per_token"].get<double>());
      std::printf("round %d  %-13s %8.1f ms/token (%d tokens)\n", round + 1, w.name, ms[w.name].back(),
                  r["generated"].get<int>());
      std::fflush(stdout);
    }
  fs::remove(result);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  const double d = median(ms["default wait"]), p = median(ms["passive"]), one = median(ms["1 thread"]);
  std::printf("\nmedians over %d rounds, %d threads: default wait %.1f ms/token, passive %.1f, 1 thread %.1f\n",
              rounds, threads, d, p, one);
  std::printf("default / passive: %.2fx; 1 thread / passive: %.2fx\n", d / p, one / p);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 5 && std::string(argv[1]) == "--child") {
      std::ofstream(argv[4]) << generate(std::stoi(argv[2]), std::stoi(argv[3])).dump();
      return 0;
    }
    return run_all();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_thread_wait: %s\n", e.what());
    return 1;
  }
}

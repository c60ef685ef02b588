#include "lingbi/util/thread_wait.h"

#include <unistd.h>

#include <cstdlib>

namespace lingbi {

void prefer_passive_thread_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Not executed again (no /proc): libgomp already chose its default; say nothing that is not so.
  unsetenv("OMP_WAIT_POLICY");
}

std::string thread_wait_policy() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::string s = policy ? policy : "default (spin, then sleep)";
  if (const char* spin = std::getenv("GOMP_SPINCOUNT")) s += std::string(", GOMP_SPINCOUNT=") + spin;
  return s;
}

}  // namespace lingbi

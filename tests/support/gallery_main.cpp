// main() of the gallery tests. On a loaded 2-core machine, OpenMP threads (FAISS, ggml) spinning
// at barriers made these tests up to 20x slower; libgomp reads OMP_WAIT_POLICY when it loads,
// so the program sets it and starts itself again before anything runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

int main(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

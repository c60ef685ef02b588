// main() of every test program. On a loaded 2-core machine, OpenMP threads (FAISS, ggml) spinning
// at barriers made the gallery tests up to 20x slower, and a model's tokens about 10x slower.
// libgomp reads OMP_WAIT_POLICY when it loads, so the program starts itself again waiting
// passively, as `lingbi` does, before anything runs.
#include <gtest/gtest.h>

#include "lingbi/util/thread_wait.h"

int main(int argc, char** argv) {
  lingbi::prefer_passive_thread_wait(argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

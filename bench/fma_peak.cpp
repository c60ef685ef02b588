#include "fma_peak.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

typedef float v16 __attribute__((vector_size(64)));
constexpr int kAcc = 16;  // independent chains: enough to cover FMA latency on two FMA pipes

double run_one(double seconds, std::atomic<float>* sink) {
  v16 acc[kAcc];
  v16 a, b;
  for (int k = 0; k < 16; ++k) {
    a[k] = 0.999999f;
    b[k] = 1e-7f;
  }
  for (int i = 0; i < kAcc; ++i)
    for (int k = 0; k < 16; ++k) acc[i][k] = float(i);
  const auto start = std::chrono::steady_clock::now();
  double fmas = 0;
  for (;;) {
    for (int rep = 0; rep < 4096; ++rep)
      for (int i = 0; i < kAcc; ++i) acc[i] = acc[i] * a + b;
    fmas += 4096.0 * kAcc * 16;
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t >= seconds) {
      float s = 0;
      for (int i = 0; i < kAcc; ++i) s += acc[i][0];
      sink->store(s);
      return 2 * fmas / t / 1e9;
    }
  }
}

}  // namespace

double measure_fma_peak_gflops(int threads, double seconds) {
  std::vector<std::thread> pool;
  std::vector<double> result(size_t(threads), 0.0);
  std::atomic<float> sink{0};
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { result[size_t(t)] = run_one(seconds, &sink); });
  for (auto& th : pool) th.join();
  double total = 0;
  for (double r : result) total += r;
  return total;
}

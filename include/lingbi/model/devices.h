// The compute devices llama.cpp's backends find on this machine, for `lingbi system-info`.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lingbi {

struct ComputeDevice {
  std::string name;         // the backend's name for it ("CPU", "CUDA0", ...)
  std::string description;  // what it is (the CPU model, the GPU's name)
  size_t total_bytes = 0;   // its memory
};

// Every device ggml's backends offer, in their order.
std::vector<ComputeDevice> compute_devices();

// The CPU features llama.cpp was built with and found ("AVX2 = 1 | ...").
std::string cpu_features();

}  // namespace lingbi

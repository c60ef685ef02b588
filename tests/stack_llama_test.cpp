// The llama.cpp stack links and initialises: the CPU backend is present and usable.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "ggml.h"
#include "llama.h"

namespace {

void quiet(ggml_log_level, const char*, void*) {}

TEST(StackLlama, BackendInitialisesWithCpuDevice) {
  llama_log_set(quiet, nullptr);
  llama_backend_init();
  ASSERT_GE(ggml_backend_dev_count(), 1u);
  ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  ASSERT_NE(cpu, nullptr);
  EXPECT_STREQ(ggml_backend_dev_name(cpu), "CPU");
  EXPECT_TRUE(llama_supports_mmap());
  std::string info = llama_print_system_info();
  EXPECT_NE(info.find("CPU"), std::string::npos) << info;
  llama_backend_free();
}

// setup builds llama.cpp without ggml's AMX kernels (README, "CPUs with AMX"): on a CPU with AMX
// they crashed on the first matrix product of a q4_K_M model, which the tiny test models never
// reach. On such a CPU this fails if they come back; on one without AMX it holds anyway.
TEST(StackLlama, GgmlsAmxKernelsAreLeftOut) {
  llama_log_set(quiet, nullptr);
  llama_backend_init();
  EXPECT_EQ(ggml_cpu_has_amx_int8(), 0);
  ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  ASSERT_NE(cpu, nullptr);
  auto extra = reinterpret_cast<ggml_backend_dev_get_extra_bufts_t>(
      ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(cpu), "ggml_backend_dev_get_extra_bufts"));
  ASSERT_NE(extra, nullptr);
  int extras = 0;
  for (ggml_backend_buffer_type_t* b = extra(cpu); b && *b; ++b, ++extras)
    EXPECT_STRNE(ggml_backend_buft_name(*b), "AMX");
  EXPECT_GE(extras, 1) << "the weight repacking's buffer type stays";
  llama_backend_free();
}

// A small graph on the CPU backend computes the right numbers: (A x B) for 2x3 and 3x2 matrices.
TEST(StackLlama, CpuBackendComputesMatMul) {
  ggml_init_params params{16 * 1024 * 1024, nullptr, false};
  ggml_context* ctx = ggml_init(params);
  ASSERT_NE(ctx, nullptr);
  // ggml_mul_mat(a, b) computes b * a^T with a [k, m] and b [k, n] (ne0 first): result [m, n].
  ggml_tensor* a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 3, 2);
  ggml_tensor* b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 3, 2);
  const float av[6] = {1, 2, 3, 4, 5, 6};
  const float bv[6] = {1, 0, 1, 0, 1, 0};
  std::memcpy(a->data, av, sizeof av);
  std::memcpy(b->data, bv, sizeof bv);
  ggml_tensor* c = ggml_mul_mat(ctx, a, b);
  ggml_cgraph* gf = ggml_new_graph(ctx);
  ggml_build_forward_expand(gf, c);
  ASSERT_EQ(ggml_graph_compute_with_ctx(ctx, gf, 2), GGML_STATUS_SUCCESS);
  const float* cv = static_cast<const float*>(c->data);
  // rows of a: (1,2,3), (4,5,6); rows of b: (1,0,1), (0,1,0)
  EXPECT_FLOAT_EQ(cv[0], 4);   // a0.b0
  EXPECT_FLOAT_EQ(cv[1], 10);  // a1.b0
  EXPECT_FLOAT_EQ(cv[2], 2);   // a0.b1
  EXPECT_FLOAT_EQ(cv[3], 5);   // a1.b1
  ggml_free(ctx);
}

}  // namespace

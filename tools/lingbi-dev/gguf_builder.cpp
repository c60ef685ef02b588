#include "gguf_builder.h"

#include "lingbi/util/error.h"

namespace lingbi::dev {

GgufBuilder::GgufBuilder(uint64_t seed, size_t data_bytes) : rng_(seed) {
  ggml_init_params params{data_bytes + 1024 * ggml_tensor_overhead(), nullptr, false};
  ggml_.reset(ggml_init(params));
  gguf_.reset(gguf_init_empty());
  if (!ggml_ || !gguf_)
    throw Error("cannot allocate " + std::to_string(data_bytes) + " bytes for a tiny model");
}

ggml_tensor* GgufBuilder::add(const std::string& name, std::vector<int64_t> ne, float scale, float fill,
                              ggml_type type) {
  ne.resize(4, 1);
  ggml_tensor* t = ggml_new_tensor_4d(ggml_.get(), type, ne[0], ne[1], ne[2], ne[3]);
  ggml_set_name(t, name.c_str());
  const int64_t n = ggml_nelements(t);
  // Uniform noise from the raw 64-bit stream: the same numbers for a seed on every platform.
  auto next = [&] {
    if (scale == 0.0f) return fill;
    const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
    return static_cast<float>((2.0 * u - 1.0) * scale + fill);
  };
  if (type == GGML_TYPE_F32) {
    auto* d = static_cast<float*>(t->data);
    for (int64_t i = 0; i < n; ++i) d[i] = next();
  } else if (type == GGML_TYPE_F16) {
    auto* d = static_cast<ggml_fp16_t*>(t->data);
    for (int64_t i = 0; i < n; ++i) d[i] = ggml_fp32_to_fp16(next());
  } else {
    throw Error("tiny models support only f32 and f16 tensors");
  }
  gguf_add_tensor(gguf_.get(), t);
  return t;
}

void GgufBuilder::write(const std::filesystem::path& path) const {
  if (!gguf_write_to_file(gguf_.get(), path.c_str(), false)) {
    throw Error("cannot write " + path.string() + ": check that its directory exists and is writable");
  }
}

}  // namespace lingbi::dev

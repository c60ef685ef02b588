#include "gguf_builder.h"

#include "lingbi/util/error.h"

namespace lingbi::dev {

GgufBuilder::GgufBuilder(uint64_t seed, size_t data_bytes) : noise_(seed) {
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
  if (!noise_.fill(t->data, type, ggml_nelements(t), scale, fill))
    throw Error("tiny models support only f32 and f16 tensors");
  gguf_add_tensor(gguf_.get(), t);
  return t;
}

void GgufBuilder::write(const std::filesystem::path& path) const {
  if (!gguf_write_to_file(gguf_.get(), path.c_str(), false)) {
    throw Error("cannot write " + path.string() + ": check that its directory exists and is writable");
  }
}

}  // namespace lingbi::dev

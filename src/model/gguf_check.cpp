#include "gguf_check.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

#include "lingbi/util/error.h"
#include "lingbi/util/ggml_handles.h"

namespace lingbi::model_detail {

void check_gguf_file(const std::filesystem::path& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(what + " file " + path.string() + " does not exist: check the path");
  }
  const auto size = std::filesystem::file_size(path, ec);
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(magic, 4) || std::string(magic, 4) != "GGUF") {
    throw Error(what + " file " + path.string() +
                " is not a GGUF file (it does not start with 'GGUF'): pass a " +
                "model converted to GGUF, e.g. with llama.cpp's convert_hf_to_gguf.py");
  }
  gguf_init_params params{true, nullptr};
  GgufPtr ctx(gguf_init_from_file(path.c_str(), params));
  if (!ctx) {
    throw Error(what + " file " + path.string() +
                " has a damaged or truncated GGUF header: download or convert it again");
  }
  size_t need = gguf_get_data_offset(ctx.get());
  for (int64_t i = 0; i < gguf_get_n_tensors(ctx.get()); ++i) {
    need = std::max(need, gguf_get_data_offset(ctx.get()) + gguf_get_tensor_offset(ctx.get(), i) +
                              gguf_get_tensor_size(ctx.get(), i));
  }
  if (size < need) {
    throw Error(what + " file " + path.string() + " is truncated: its tensors need " + std::to_string(need) +
                " bytes but the file has " + std::to_string(size) + "; download or convert it again");
  }
}

}  // namespace lingbi::model_detail

#include "quantize_model.h"

#include <system_error>

#include "lingbi/util/error.h"

namespace lingbi::dev {

void quantize_model(const std::filesystem::path& in, const std::filesystem::path& out, llama_ftype type,
                    int threads) {
  llama_backend_init();
  llama_model_quantize_params qp = llama_model_quantize_default_params();
  qp.ftype = type;
  qp.nthread = threads;
  qp.allow_requantize = true;  // make-model's input is q8_0
  if (llama_model_quantize(in.c_str(), out.c_str(), &qp) != 0) {
    std::error_code ec;
    std::filesystem::remove(out, ec);
    throw Error("llama.cpp could not quantize " + in.string() + " into " + out.string() + " (disk full?)");
  }
}

}  // namespace lingbi::dev

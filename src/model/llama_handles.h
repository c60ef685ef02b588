// RAII owners of llama.cpp and mtmd handles used by LocalModel.
#pragma once

#include <memory>

#include "llama.h"
#include "mtmd-helper.h"
#include "mtmd.h"
#include "sampling.h"

namespace lingbi::model_detail {

struct LlamaModelFree {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct LlamaContextFree {
  void operator()(llama_context* c) const { llama_free(c); }
};
struct MtmdFree {
  void operator()(mtmd_context* c) const { mtmd_free(c); }
};
struct MtmdBitmapFree {
  void operator()(mtmd_bitmap* b) const { mtmd_bitmap_free(b); }
};
struct MtmdChunksFree {
  void operator()(mtmd_input_chunks* c) const { mtmd_input_chunks_free(c); }
};
struct SamplerFree {
  void operator()(common_sampler* s) const { common_sampler_free(s); }
};

using LlamaModelPtr = std::unique_ptr<llama_model, LlamaModelFree>;
using LlamaContextPtr = std::unique_ptr<llama_context, LlamaContextFree>;
using MtmdPtr = std::unique_ptr<mtmd_context, MtmdFree>;
using MtmdBitmapPtr = std::unique_ptr<mtmd_bitmap, MtmdBitmapFree>;
using MtmdChunksPtr = std::unique_ptr<mtmd_input_chunks, MtmdChunksFree>;
using SamplerPtr = std::unique_ptr<common_sampler, SamplerFree>;

}  // namespace lingbi::model_detail

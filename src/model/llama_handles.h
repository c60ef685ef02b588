// RAII owners of llama.cpp and mtmd handles used by LocalModel.
#pragma once

#include <cstdint>
#include <memory>

#include "lingbi/util/c_handle.h"
#include "llama.h"
#include "mtmd-helper.h"
#include "mtmd.h"
#include "sampling.h"

namespace lingbi::model_detail {

using LlamaModelPtr = CHandle<llama_model, llama_model_free>;
using LlamaContextPtr = CHandle<llama_context, llama_free>;
using MtmdPtr = CHandle<mtmd_context, mtmd_free>;
using MtmdBitmapPtr = CHandle<mtmd_bitmap, mtmd_bitmap_free>;
using MtmdChunksPtr = CHandle<mtmd_input_chunks, mtmd_input_chunks_free>;
using SamplerPtr = CHandle<common_sampler, common_sampler_free>;

// A llama_batch (a struct of arrays handed around by value) that frees its arrays when it goes.
class Batch {
 public:
  Batch(int32_t n_tokens, int32_t embd, int32_t n_seq_max) : batch_(llama_batch_init(n_tokens, embd, n_seq_max)) {}
  ~Batch() { llama_batch_free(batch_); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  llama_batch& get() { return batch_; }

 private:
  llama_batch batch_;
};

}  // namespace lingbi::model_detail

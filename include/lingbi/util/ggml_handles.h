// Owners of ggml's context and gguf's file handles, for every module that reads or writes GGUF
// files (model checks headers, clip loads weights, lingbi-dev writes test models). Header only:
// a module that includes it links ggml itself.
#pragma once

#include "ggml.h"
#include "gguf.h"
#include "lingbi/util/c_handle.h"

namespace lingbi {

using GgufPtr = CHandle<gguf_context, gguf_free>;
using GgmlPtr = CHandle<ggml_context, ggml_free>;

}  // namespace lingbi

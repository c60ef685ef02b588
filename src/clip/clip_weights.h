// The weights of a CLIP GGUF file, loaded into a ggml backend buffer, with the hyper-parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"
#include "gguf.h"
#include "lingbi/clip/clip.h"
#include "lingbi/util/c_handle.h"
#include "lingbi/util/ggml_handles.h"

namespace lingbi::clip {

using BackendPtr = CHandle<ggml_backend, ggml_backend_free>;
using BufferPtr = CHandle<ggml_backend_buffer, ggml_backend_buffer_free>;
using SchedPtr = CHandle<ggml_backend_sched, ggml_backend_sched_free>;

struct ClipLayer {
  ggml_tensor *q_w, *q_b, *k_w, *k_b, *v_w, *v_b, *o_w, *o_b;
  ggml_tensor *ln1_w, *ln1_b, *ln2_w, *ln2_b;
  ggml_tensor *fc1_w, *fc1_b, *fc2_w, *fc2_b;  // fc1 is stored as "ffn_down", fc2 as "ffn_up"
};

struct ClipTower {
  bool present = false;
  int n_embd = 0, n_ff = 0, n_head = 0, n_layer = 0, proj_dim = 0;
  float eps = 1e-5f;
  int context_length = 0;           // text: positions
  int image_size = 0, patch_size = 0;  // vision
  ggml_tensor* token_embd = nullptr;   // text
  ggml_tensor* patch_embd = nullptr;   // vision, [p, p, 3, n_embd]
  ggml_tensor* class_embd = nullptr;   // vision
  ggml_tensor* position_embd = nullptr;
  ggml_tensor *pre_ln_w = nullptr, *pre_ln_b = nullptr;  // vision only
  ggml_tensor *embd_ln_w = nullptr, *embd_ln_b = nullptr;  // Chinese-CLIP text (BERT) only
  // SigLIP: the patch bias; the vision tower's attention-pooling head (probe, fused q/k/v input
  // [n_embd, 3 n_embd], output, LayerNorm, MLP); the text tower's head (a linear with bias).
  ggml_tensor* patch_b = nullptr;
  ggml_tensor *probe = nullptr, *head_qkv_w = nullptr, *head_qkv_b = nullptr, *head_o_w = nullptr, *head_o_b = nullptr;
  ggml_tensor *head_ln_w = nullptr, *head_ln_b = nullptr;
  ggml_tensor *head_fc1_w = nullptr, *head_fc1_b = nullptr, *head_fc2_w = nullptr, *head_fc2_b = nullptr;
  ggml_tensor *head_w = nullptr, *head_b = nullptr;
  ggml_tensor *post_ln_w = nullptr, *post_ln_b = nullptr;
  ggml_tensor* projection = nullptr;
  std::vector<ClipLayer> layers;
};

struct ClipWeights {
  std::string name;
  ClipFamily family = ClipFamily::clip;
  bool multilingual = false;
  bool use_gelu = false;
  bool lower_case = true, strip_accents = true;  // WordPiece (Chinese-CLIP); lower_case for SigLIP too
  bool gelu_tanh = false;                         // SigLIP's gelu_pytorch_tanh
  float logit_scale = 0, logit_bias = 0;          // SigLIP's sigmoid: scale (exponentiated) and bias
  // SigLIP's SentencePiece tokenizer: the model file's bytes and how texts are framed.
  std::string spm_model;
  bool remove_punctuation = false, add_bos = false, add_eos = true;
  std::string bos_token, eos_token = "</s>", pad_token = "</s>";
  ClipTower text, vision;
  ClipPreprocess preprocess;
  std::vector<std::string> tokens, merges;
  GgufPtr gguf;
  GgmlPtr ctx;        // tensor metadata
  BufferPtr buffer;   // tensor data on the backend
};

// Reads and checks the file and uploads its tensors to backend. Throws lingbi::Error naming path.
ClipWeights load_clip_weights(const std::string& path, ggml_backend_t backend);

}  // namespace lingbi::clip

#include "gguf_stream_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "lingbi/util/error.h"
#include "noise.h"

namespace lingbi::dev {

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

GgufStreamWriter::GgufStreamWriter() {
  ggml_init_params params{4096 * ggml_tensor_overhead(), nullptr, true};
  meta_.reset(ggml_init(params));
  gguf_.reset(gguf_init_empty());
  if (!meta_ || !gguf_) throw Error("cannot allocate the metadata of a model");
}

void GgufStreamWriter::add(const std::string& name, std::vector<int64_t> ne, float scale, float fill, ggml_type type,
                           std::vector<bool> quiet_rows) {
  if (type != GGML_TYPE_F32 && type != GGML_TYPE_F16 && type != GGML_TYPE_Q8_0)
    throw Error("random models are written in f32, f16 and q8_0 only");
  if (ne[0] % ggml_blck_size(type) != 0) type = GGML_TYPE_F16;  // rows q8_0 cannot hold
  ne.resize(4, 1);
  ggml_tensor* t = ggml_new_tensor_4d(meta_.get(), type, ne[0], ne[1], ne[2], ne[3]);
  ggml_set_name(t, name.c_str());
  gguf_add_tensor(gguf_.get(), t);
  fills_.push_back({scale, fill, std::move(quiet_rows)});
  data_bytes_ += ggml_nbytes(t);
}

void GgufStreamWriter::write(const std::filesystem::path& path, uint64_t seed) const {
  auto fail = [&](const std::string& what) {
    std::error_code ec;
    std::filesystem::remove(path, ec);  // never leave a truncated model behind
    return Error("cannot write " + path.string() + ": " + what);
  };
  std::vector<char> meta(gguf_get_meta_size(gguf_.get()));
  gguf_get_meta_data(gguf_.get(), meta.data());
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
  if (!f) throw fail(std::strerror(errno));
  if (std::fwrite(meta.data(), 1, meta.size(), f.get()) != meta.size()) throw fail(std::strerror(errno));

  Noise noise(seed);
  const size_t alignment = gguf_get_alignment(gguf_.get());
  std::vector<char> chunk;
  std::vector<float> row_f32;  // a row before ggml's quantizer packs it
  size_t written = 0;  // bytes of the data section so far
  for (int64_t i = 0; i < gguf_get_n_tensors(gguf_.get()); ++i) {
    const ggml_tensor* t = ggml_get_tensor(meta_.get(), gguf_get_tensor_name(gguf_.get(), i));
    const Fill& fl = fills_[static_cast<size_t>(i)];
    const size_t pad = gguf_get_tensor_offset(gguf_.get(), i) - written;
    if (pad >= alignment) throw fail("tensor offsets out of order");
    const std::vector<char> zeros(pad, 0);
    if (pad && std::fwrite(zeros.data(), 1, pad, f.get()) != pad) throw fail(std::strerror(errno));
    written += pad;
    const int64_t row = t->ne[0], rows = ggml_nelements(t) / row;
    const size_t row_bytes = ggml_row_size(t->type, row);
    const int64_t rows_per_chunk = std::max<int64_t>(1, (8 << 20) / static_cast<int64_t>(row_bytes));
    for (int64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
      const int64_t n = std::min(rows_per_chunk, rows - r0);
      chunk.resize(static_cast<size_t>(n) * row_bytes);
      for (int64_t r = 0; r < n; ++r) {
        const int64_t index = (r0 + r) % t->ne[1];
        const bool quiet = static_cast<size_t>(index) < fl.quiet_rows.size() && fl.quiet_rows[static_cast<size_t>(index)];
        const float scale = quiet ? 0.02f * fl.scale : fl.scale;
        char* dst = chunk.data() + r * row_bytes;
        if (t->type == GGML_TYPE_Q8_0) {
          row_f32.resize(static_cast<size_t>(row));
          noise.fill(row_f32.data(), GGML_TYPE_F32, row, scale, fl.fill);
          ggml_quantize_chunk(GGML_TYPE_Q8_0, row_f32.data(), dst, 0, 1, row, nullptr);
        } else {
          noise.fill(dst, t->type, row, scale, fl.fill);
        }
      }
      if (std::fwrite(chunk.data(), 1, chunk.size(), f.get()) != chunk.size()) throw fail(std::strerror(errno));
      written += chunk.size();
    }
  }
  if (std::fflush(f.get()) != 0) throw fail(std::strerror(errno));
  if (std::fclose(f.release()) != 0) throw fail(std::strerror(errno));
}

}  // namespace lingbi::dev

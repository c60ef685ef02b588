#include "zip_builder.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "lingbi/util/error.h"

namespace lingbi::render {

ZipBuilder::ZipBuilder() {
  zip_error_t error;
  zip_error_init(&error);
  buffer_ = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (buffer_) {
    zip_source_keep(buffer_);  // the archive's zip_close would free it; we read it afterwards
    archive_.reset(zip_open_from_source(buffer_, ZIP_TRUNCATE, &error));
  }
  const std::string what = zip_error_strerror(&error);
  zip_error_fini(&error);
  if (!archive_) throw Error("cannot start a zip in memory: " + what);
}

ZipBuilder::~ZipBuilder() {
  archive_.reset();  // discarded, if finish was never reached
  if (buffer_) zip_source_free(buffer_);
}

void ZipBuilder::add(const std::string& name, zip_source_t* source) {
  if (!source) throw Error("cannot read " + name + " for the zip: " + zip_strerror(archive_.get()));
  if (zip_file_add(archive_.get(), name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
    zip_source_free(source);  // still ours when zip_file_add fails
    throw Error("cannot add " + name + " to the zip: " + zip_strerror(archive_.get()));
  }
}

void ZipBuilder::add_directory(const std::string& name) {
  if (zip_dir_add(archive_.get(), name.c_str(), ZIP_FL_ENC_UTF_8) < 0)
    throw Error("cannot add " + name + " to the zip: " + zip_strerror(archive_.get()));
}

void ZipBuilder::add_file(const std::string& name, const std::filesystem::path& file) {
  add(name, zip_source_file(archive_.get(), file.c_str(), 0, -1));
}

void ZipBuilder::add_bytes(const std::string& name, std::string bytes) {
  // libzip reads the buffer at zip_close; a copy it frees itself outlives this call.
  void* copy = malloc(bytes.size() ? bytes.size() : 1);
  if (!copy) throw Error("out of memory adding " + name + " to the zip");
  std::copy(bytes.begin(), bytes.end(), static_cast<char*>(copy));
  zip_source_t* source = zip_source_buffer(archive_.get(), copy, bytes.size(), 1);
  if (!source) free(copy);
  add(name, source);
}

std::string ZipBuilder::finish() {
  if (zip_close(archive_.get()) != 0) throw Error(std::string("cannot write the zip: ") + zip_strerror(archive_.get()));
  archive_.release();  // closed: zip_close freed it
  zip_stat_t st;
  if (zip_source_stat(buffer_, &st) != 0 || zip_source_open(buffer_) != 0)
    throw Error("cannot read back the zip written in memory");
  std::string bytes(st.size, '\0');
  const zip_int64_t n = zip_source_read(buffer_, bytes.data(), st.size);
  zip_source_close(buffer_);
  if (n != static_cast<zip_int64_t>(st.size)) throw Error("cannot read back the zip written in memory");
  return bytes;
}

}  // namespace lingbi::render

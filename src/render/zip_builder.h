// A zip archive built in memory with libzip: the container of the Markdown zip and of .docx.
#pragma once

#include <filesystem>
#include <string>

#include <zip.h>

#include "lingbi/util/c_handle.h"

namespace lingbi::render {

class ZipBuilder {
 public:
  ZipBuilder();  // throws lingbi::Error when libzip cannot start an archive
  ~ZipBuilder();
  ZipBuilder(const ZipBuilder&) = delete;
  ZipBuilder& operator=(const ZipBuilder&) = delete;

  // Entries, named with '/' as the separator, in UTF-8. Each throws lingbi::Error naming the entry.
  void add_directory(const std::string& name);
  void add_file(const std::string& name, const std::filesystem::path& file);
  void add_bytes(const std::string& name, std::string bytes);

  // The bytes of the finished archive; the builder takes no more entries after this.
  std::string finish();

 private:
  void add(const std::string& name, zip_source_t* source);

  zip_source_t* buffer_ = nullptr;  // the archive's bytes, kept alive past zip_close
  CHandle<zip_t, zip_discard> archive_;
};

}  // namespace lingbi::render

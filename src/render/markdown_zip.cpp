#include "lingbi/render/markdown_zip.h"

#include <zip.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "lingbi/util/atomic_write.h"
#include "lingbi/util/c_handle.h"
#include "lingbi/util/error.h"
#include "lingbi/util/read_file.h"

namespace lingbi {

namespace fs = std::filesystem;

namespace {

// A folder of its own under the system's temporary folder, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device random;
    path_ = fs::temp_directory_path() / ("lingbi-zip-" + std::to_string(random()) + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string zip_error_of(zip_t* archive) { return zip_strerror(archive); }

}  // namespace

std::string render_markdown_zip(const Article& article, const std::string& name, RenderReport& report) {
  ScratchDir scratch;
  const fs::path content = scratch.path() / "content";
  fs::create_directories(content);
  const fs::path md = content / (name + ".md");
  write_file_atomically(md, render_markdown(article, md, RenderOptions{}, report));

  const fs::path zip_path = scratch.path() / (name + ".zip");
  int error = 0;
  // Discarded unless closed: a failed zip leaves nothing half-written.
  CHandle<zip_t, zip_discard> archive(zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_EXCL, &error));
  if (!archive) throw Error("cannot create a zip (libzip error " + std::to_string(error) + ")");
  for (const auto& entry : fs::recursive_directory_iterator(content)) {
    const std::string inside = fs::relative(entry.path(), content).generic_string();
    if (entry.is_directory()) {
      if (zip_dir_add(archive.get(), inside.c_str(), ZIP_FL_ENC_UTF_8) < 0)
        throw Error("cannot add " + inside + " to the zip: " + zip_error_of(archive.get()));
      continue;
    }
    zip_source_t* source = zip_source_file(archive.get(), entry.path().c_str(), 0, -1);
    if (!source) throw Error("cannot read " + inside + " for the zip: " + zip_error_of(archive.get()));
    if (zip_file_add(archive.get(), inside.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
      zip_source_free(source);  // still ours when zip_file_add fails
      throw Error("cannot add " + inside + " to the zip: " + zip_error_of(archive.get()));
    }
  }
  if (zip_close(archive.get()) != 0) throw Error("cannot write the zip: " + zip_error_of(archive.get()));
  archive.release();  // closed: zip_close freed it
  const std::vector<unsigned char> bytes = read_file_bytes(zip_path);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace lingbi

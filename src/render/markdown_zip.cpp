#include "lingbi/render/markdown_zip.h"

#include <filesystem>
#include <random>

#include "lingbi/util/atomic_write.h"
#include "zip_builder.h"

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

}  // namespace

std::string render_markdown_zip(const Article& article, const std::string& name, RenderReport& report) {
  ScratchDir scratch;
  const fs::path md = scratch.path() / (name + ".md");
  write_file_atomically(md, render_markdown(article, md, RenderOptions{}, report));

  render::ZipBuilder zip;
  for (const auto& entry : fs::recursive_directory_iterator(scratch.path())) {
    const std::string inside = fs::relative(entry.path(), scratch.path()).generic_string();
    if (entry.is_directory())
      zip.add_directory(inside);
    else
      zip.add_file(inside, entry.path());
  }
  return zip.finish();
}

}  // namespace lingbi

// The model store: the folder where `lingbi pull` puts models, one folder per repository.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lingbi {

// LINGBI_MODELS when set, else $XDG_CACHE_HOME/lingbi/models, else ~/.cache/lingbi/models.
std::filesystem::path model_store_dir();

// Where `file` of `repo` lives in the store at `root`: root/owner/name/file.
std::filesystem::path store_path(const std::filesystem::path& root, const std::string& repo, const std::string& file);

struct StoredFile {
  std::string repo;  // "owner/name"
  std::string file;  // path inside the repository
  std::filesystem::path path;
  int64_t size = 0;
};

// Every complete file in the store (partial downloads left out), sorted by repository and file.
std::vector<StoredFile> list_store(const std::filesystem::path& root);

// Bytes free for an unprivileged writer on the file system that holds `path` (or its nearest
// existing parent).
int64_t free_bytes(const std::filesystem::path& path);

// "1.9 GB", "605 MB", "12 kB", "512 B" (decimal units, as the hub shows sizes).
std::string human_bytes(int64_t bytes);

}  // namespace lingbi

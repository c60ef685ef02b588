// One file of a repository on a Hugging Face-compatible hub, and what the hub says about it.
#pragma once

#include <cstdint>
#include <string>

namespace lingbi {

// Where a file lives: GET {endpoint}/{repo}/resolve/{revision}/{file}.
struct HubLocation {
  std::string endpoint;  // "https://huggingface.co" (HF_ENDPOINT overrides it)
  std::string repo;      // "owner/name"
  std::string revision = "main";
  std::string file;      // path inside the repository
  std::string url() const;
};

// The hub's metadata for a file, from a HEAD request that does not follow redirects: large (LFS)
// files answer 302 with X-Linked-Size and X-Linked-Etag (the sha256 of the content, quoted);
// small files answer 200 with Content-Length and an ETag that is not a sha256.
struct HubFileInfo {
  int64_t size = -1;    // bytes; -1 when the hub did not say
  std::string sha256;   // 64 lowercase hex digits for LFS files, else empty
  std::string etag;     // the hub's ETag (X-Linked-Etag when given), unquoted: identifies the content
  std::string commit;   // X-Repo-Commit
};

// The hub's endpoint: HF_ENDPOINT when set, else https://huggingface.co (no trailing slash).
std::string hub_endpoint();
// HF_TOKEN when set, else empty.
std::string hub_token();

// Asks the hub about `where`, sending `token` (when not empty) as a bearer token. Throws
// lingbi::Error that says what to do when the hub cannot be reached, the repository or revision
// does not exist (or is private or gated), or the repository has no such file.
HubFileInfo hub_file_info(const HubLocation& where, const std::string& token);

}  // namespace lingbi

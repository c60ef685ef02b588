#include "lingbi/hub/pull.h"

#include "byte_progress.h"
#include "lingbi/hub/download.h"
#include "lingbi/hub/model_store.h"
#include "lingbi/util/error.h"

namespace lingbi {

namespace fs = std::filesystem;

namespace {

struct Planned {
  const PullItem* item;
  HubFileInfo info;
  int64_t have = 0;  // bytes of a partial download to resume
};

bool present(const PullItem& item, const HubFileInfo& info) {
  std::error_code ec;
  if (!fs::is_regular_file(item.dest, ec)) return false;
  return info.size < 0 || static_cast<int64_t>(fs::file_size(item.dest, ec)) == info.size;
}

}  // namespace

PullSummary pull_files(const std::vector<PullItem>& items, const PullOptions& o) {
  PullSummary summary;
  summary.files = static_cast<int64_t>(items.size());
  std::vector<Planned> todo;
  int64_t to_fetch = 0;
  for (const PullItem& item : items) {
    Planned p{&item, hub_file_info(item.where, o.token)};
    if (present(item, p.info)) {
      ++summary.present;
      continue;
    }
    p.have = partial_bytes(item.dest, p.info.etag);
    if (p.info.size >= 0) to_fetch += std::max<int64_t>(0, p.info.size - p.have);
    todo.push_back(std::move(p));
  }
  if (todo.empty()) {
    if (o.progress) std::fprintf(o.progress, "pull: all %lld files are in the store already\n", static_cast<long long>(summary.files));
    return summary;
  }
  const fs::path store = todo.front().item->dest.parent_path();
  const int64_t free = free_bytes(store);
  if (free >= 0 && to_fetch > free)
    throw Error("not enough disk space: the download needs " + human_bytes(to_fetch) + " but " +
                fs::absolute(store).string() + " has " + human_bytes(free) +
                " free; free some space or point LINGBI_MODELS at a larger disk");
  if (o.progress) {
    std::fprintf(o.progress, "pull: %zu file(s), %s to download", todo.size(), human_bytes(to_fetch).c_str());
    if (summary.present > 0) std::fprintf(o.progress, " (%lld already in the store)", static_cast<long long>(summary.present));
    std::fprintf(o.progress, "\n");
  }
  hub::ByteProgress progress(o.progress, to_fetch, o.plain_interval_s);
  for (Planned& p : todo) {
    if (o.progress) {
      std::fprintf(o.progress, "pull: %s:%s%s\n", p.item->where.repo.c_str(), p.item->where.file.c_str(),
                   p.have > 0 ? (" (resuming after " + human_bytes(p.have) + ")").c_str() : "");
      std::fflush(o.progress);
    }
    for (int attempt = 0;; ++attempt) {
      try {
        summary.transferred +=
            download_file(p.item->where, p.info, p.item->dest, o.token, p.item->expected_sha256,
                          [&](int64_t n) { progress.add(n); });
        break;
      } catch (const Error& e) {
        // Only a broken transfer with bytes kept is worth another attempt at once.
        const int64_t kept = partial_bytes(p.item->dest, p.info.etag);
        if (attempt >= o.retries || kept <= p.have) {
          progress.finish();
          throw;
        }
        p.have = kept;
        if (o.progress) std::fprintf(o.progress, "pull: %s; resuming\n", e.what());
      }
    }
  }
  progress.finish();
  return summary;
}

}  // namespace lingbi

#include "article_store.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>

#include "lingbi/util/atomic_write.h"
#include "lingbi/util/utc_time.h"

namespace lingbi::server {

namespace fs = std::filesystem;
using nlohmann::json;

// head.json: which revision is current, what redo leads to, and every revision's record.
struct ArticleStore::Head {
  int current = 0;
  std::vector<int> redo;  // last one first to come back
  std::vector<RevisionInfo> revisions;
  std::string title;
  std::string updated;
};

namespace {

constexpr const char* kHead = "head.json";
constexpr const char* kPartial = "partial.json";

std::string revision_file(int revision) {
  char name[32];
  std::snprintf(name, sizeof name, "rev-%06d.json", revision);
  return name;
}

json read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NotFound("no such article");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error("article store: " + path.filename().string() + " is damaged: " + e.what());
  }
}

}  // namespace

ArticleStore::ArticleStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throw Error("cannot create the articles folder " + root_.string() + ": " + ec.message());
}

bool ArticleStore::valid_id(std::string_view id) {
  return id.size() == 12 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
         });
}

fs::path ArticleStore::dir_of(const std::string& id) const {
  if (!valid_id(id)) throw NotFound("no article " + id);
  return root_ / id;
}

bool ArticleStore::exists(const std::string& id) const {
  std::error_code ec;
  return valid_id(id) && fs::is_directory(root_ / id, ec);
}

std::string ArticleStore::create() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::lock_guard lock(mutex_);
  for (;;) {
    std::string id;
    for (int i = 0; i < 12; ++i) id += kChars[random() % (sizeof kChars - 1)];
    std::error_code ec;
    if (fs::create_directory(root_ / id, ec)) {
      write_head(id, Head{});
      return id;
    }
    if (ec) throw Error("cannot create an article folder in " + root_.string() + ": " + ec.message());
  }
}

ArticleStore::Head ArticleStore::read_head(const std::string& id) const {
  const json j = read_json(dir_of(id) / kHead);
  Head h;
  h.current = j.value("current", 0);
  h.redo = j.value("redo", std::vector<int>{});
  h.title = j.value("title", "");
  h.updated = j.value("updated", "");
  for (const json& r : j.value("revisions", json::array()))
    h.revisions.push_back(
        {r.value("revision", 0), r.value("parent", 0), r.value("created", ""), r.value("note", "")});
  return h;
}

void ArticleStore::write_head(const std::string& id, const Head& h) const {
  json revisions = json::array();
  for (const RevisionInfo& r : h.revisions)
    revisions.push_back(
        {{"revision", r.revision}, {"parent", r.parent}, {"created", r.created}, {"note", r.note}});
  const json j = {{"current", h.current},
                  {"redo", h.redo},
                  {"title", h.title},
                  {"updated", h.updated},
                  {"revisions", revisions}};
  write_file_atomically(dir_of(id) / kHead, j.dump(1));
}

int ArticleStore::commit(const std::string& id, const Article& article, int base_revision,
                         const std::string& note) {
  std::lock_guard lock(mutex_);
  Head h = read_head(id);
  if (base_revision != h.current) throw Conflict(h.current);
  const int revision = h.revisions.empty() ? 1 : h.revisions.back().revision + 1;
  // The revision first, then the head that names it: a crash in between leaves a file no head
  // names, which the next commit overwrites.
  save_article(article, dir_of(id) / revision_file(revision));
  const std::string now = utc_now();
  h.revisions.push_back({revision, h.current, now, note});
  h.current = revision;
  h.redo.clear();
  h.title = article.title;
  h.updated = now;
  write_head(id, h);
  return revision;
}

std::pair<Article, int> ArticleStore::current(const std::string& id) const {
  const Head h = read_head(id);
  if (h.current == 0) throw NotFound("article " + id + " has no revision yet");
  return {load_article(dir_of(id) / revision_file(h.current)), h.current};
}

Article ArticleStore::revision(const std::string& id, int revision) const {
  const Head h = read_head(id);
  const bool known = std::any_of(h.revisions.begin(), h.revisions.end(),
                                 [&](const RevisionInfo& r) { return r.revision == revision; });
  if (!known) throw NotFound("article " + id + " has no revision " + std::to_string(revision));
  return load_article(dir_of(id) / revision_file(revision));
}

std::vector<RevisionInfo> ArticleStore::revisions(const std::string& id) const {
  return read_head(id).revisions;
}

std::vector<ArticleSummary> ArticleStore::list() const {
  std::vector<ArticleSummary> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string id = entry.path().filename().string();
    if (!valid_id(id) || !entry.is_directory()) continue;
    try {
      const Head h = read_head(id);
      ArticleSummary s{id, h.title, h.current, h.updated, fs::exists(entry.path() / kPartial)};
      out.push_back(std::move(s));
    } catch (const Error&) {
      continue;  // a folder without a readable head (being created, or damaged) is not listed
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.updated != b.updated ? a.updated > b.updated : a.id < b.id;
  });
  return out;
}

int ArticleStore::undo(const std::string& id) {
  std::lock_guard lock(mutex_);
  Head h = read_head(id);
  const auto it = std::find_if(h.revisions.begin(), h.revisions.end(),
                               [&](const RevisionInfo& r) { return r.revision == h.current; });
  if (it == h.revisions.end() || it->parent == 0) throw Error("nothing to undo");
  h.redo.push_back(h.current);
  return move_to(id, h, it->parent);
}

int ArticleStore::move_to(const std::string& id, Head& h, int revision) {
  h.current = revision;
  h.title = load_article(dir_of(id) / revision_file(revision)).title;
  h.updated = utc_now();
  write_head(id, h);
  return revision;
}

int ArticleStore::redo(const std::string& id) {
  std::lock_guard lock(mutex_);
  Head h = read_head(id);
  if (h.redo.empty()) throw Error("nothing to redo");
  const int revision = h.redo.back();
  h.redo.pop_back();
  return move_to(id, h, revision);
}

bool ArticleStore::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (!exists(id)) return false;
  std::error_code ec;
  fs::remove_all(dir_of(id), ec);
  if (ec) throw Error("cannot delete article " + id + ": " + ec.message());
  return true;
}

void ArticleStore::save_partial(const std::string& id, const Article& partial) {
  std::lock_guard lock(mutex_);
  save_article(partial, dir_of(id) / kPartial);
  Head h = read_head(id);
  if (h.current == 0) h.title = partial.title;
  h.updated = utc_now();
  write_head(id, h);
}

std::optional<Article> ArticleStore::partial(const std::string& id) const {
  const fs::path path = dir_of(id) / kPartial;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  try {
    return load_article(path);
  } catch (const Error&) {
    if (!fs::exists(path, ec)) return std::nullopt;  // dropped as the compose committed
    throw;
  }
}

void ArticleStore::drop_partial(const std::string& id) {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  fs::remove(dir_of(id) / kPartial, ec);
}

}  // namespace lingbi::server

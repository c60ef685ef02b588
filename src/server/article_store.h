// The articles of `lingbi serve`: one folder per article under the store's root, every revision
// a JSON file written atomically, and head.json saying which revision is current and what undo
// and redo lead to. Nothing is ever overwritten or deleted but by remove(); a compose in progress
// keeps its checkpoint in partial.json until its first revision is written. Internal to src/server.
//
// Reads take no lock, so that readers never wait behind a write (and its fsync) nor hold up a
// compose saving its checkpoint: every file is replaced whole by a rename and a revision file is
// never rewritten, so a read sees one whole version. Writes are serialized by a mutex.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lingbi/article/article.h"
#include "lingbi/util/error.h"

namespace lingbi::server {

struct RevisionInfo {
  int revision = 0;
  int parent = 0;       // the revision it was made from (0 for the first)
  std::string created;  // UTC, ISO 8601
  std::string note;     // what made it: "compose", "edit rewrite", ...
};

struct ArticleSummary {
  std::string id;
  std::string title;
  int revision = 0;      // current revision; 0 while only a partial article exists
  std::string updated;   // UTC, ISO 8601
  bool partial = false;  // a compose that has not finished (or was interrupted) left a checkpoint
};

// An edit based on a revision that is no longer the current one.
class Conflict : public Error {
 public:
  Conflict(int current_revision)
      : Error("the article changed: its current revision is " + std::to_string(current_revision)),
        current(current_revision) {}
  int current;
};

// No article (or revision) with that id.
class NotFound : public Error {
 public:
  using Error::Error;
};

class ArticleStore {
 public:
  explicit ArticleStore(std::filesystem::path root);  // creates the folder if needed

  // Article ids: 12 characters of [a-z0-9]. Anything else is refused before the disk is touched.
  static bool valid_id(std::string_view id);
  // A new, empty article folder; its first revision comes with commit(id, article, 0, note).
  std::string create();

  // Writes revision current+1 of `id` from `base_revision` (0 for the first). Throws Conflict
  // when base_revision is not the current one, NotFound for an unknown id. Returns the revision.
  int commit(const std::string& id, const Article& article, int base_revision, const std::string& note);
  // The current revision and its number; NotFound when there is none.
  std::pair<Article, int> current(const std::string& id) const;
  Article revision(const std::string& id, int revision) const;
  std::vector<RevisionInfo> revisions(const std::string& id) const;
  // Newest first.
  std::vector<ArticleSummary> list() const;
  // Moves the current revision to its parent (undo) or back (redo); returns the new current
  // revision. Throws Error when there is nothing to undo or redo, NotFound for an unknown id.
  int undo(const std::string& id);
  int redo(const std::string& id);
  // Deletes the article with all its revisions; false when there was none.
  bool remove(const std::string& id);

  // A compose in progress: its latest checkpoint (Article::progress set), kept until
  // commit() writes the first revision, or for ever when the compose was interrupted.
  void save_partial(const std::string& id, const Article& partial);
  std::optional<Article> partial(const std::string& id) const;
  void drop_partial(const std::string& id);
  bool exists(const std::string& id) const;

 private:
  struct Head;
  std::filesystem::path dir_of(const std::string& id) const;  // throws NotFound for a bad id
  Head read_head(const std::string& id) const;
  void write_head(const std::string& id, const Head& head) const;
  // Makes `revision` the current one (undo, redo) and writes the head; returns it.
  int move_to(const std::string& id, Head& head, int revision);

  std::filesystem::path root_;
  std::mutex mutex_;  // serializes writers; readers take none
};

}  // namespace lingbi::server

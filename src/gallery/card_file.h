// What a search hit shows of each picture (catalog.h's Card: its first path, size, caption, tags,
// appearance) in one flat file, cards.bin in the gallery folder: picture i's card in the 512 bytes
// at 4096 + i * 512, so that a search reads its hits' cards in one batch of direct reads
// (batch_reads.h) where the catalog takes three B-tree lookups a hit, each a read of its own
// (docs/gallery.md, "Cards"). The catalog stays the truth; the catalog answers instead for:
//   - a card that does not fit a slot (a long caption or path) or was never written (a hole);
//   - a picture the catalog marks stale (cards_stale: changed since a writer last brought the file
//     in step, as after a crash);
//   - every picture, when the file is missing or its header names another catalog (its token).
// A writer rebuilds a missing file whole and rewrites stale cards each time it publishes its index.
// Internal to src/gallery.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "batch_reads.h"
#include "catalog.h"
#include "lingbi/util/unique_fd.h"

namespace lingbi::gallery {

class CardFile {
 public:
  // Opens `path` if its header names `token`; nullptr when it is missing or does not match.
  // `stale`: pictures whose card the file may hold out of date, read from the catalog instead.
  static std::unique_ptr<CardFile> open(const std::string& path, const std::string& token,
                                        const std::vector<int64_t>& stale, bool writable);
  // Writes a new file for `token` holding the cards `each` hands to its callback, under a
  // temporary name, synced, then renamed over `path`; throws lingbi::Error naming it on failure.
  static void create(const std::string& path, const std::string& token,
                     const std::function<void(const std::function<void(const Card&)>&)>& each);

  // Writers: store a card at its picture's place (a hole where it does not fit: the catalog then
  // answers), or empty the place of a picture that is gone.
  void write(const Card& card);
  void erase(int64_t id);
  // Makes what was written durable, then reads those pictures from the file again.
  void sync(const std::vector<int64_t>& written);

  // The cards of `ids`, in one batch; nullopt where the catalog must answer.
  std::vector<std::optional<Card>> read(const std::vector<int64_t>& ids) const;

  CardFile(const CardFile&) = delete;
  CardFile& operator=(const CardFile&) = delete;

 private:
  CardFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::string path_;
  UniqueFd fd_;
  std::unordered_set<int64_t> stale_;
  std::unique_ptr<BatchReads> batch_;  // null where direct reads are not possible (tmpfs)
};

}  // namespace lingbi::gallery

#include "card_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lingbi/util/error.h"
#include "lingbi/util/write_at.h"

namespace lingbi::gallery {

namespace {

constexpr int64_t kHeader = 4096;
constexpr size_t kSlot = 512;  // one sector: a direct read of its own
constexpr char kMagic[8] = {'L', 'B', 'C', 'A', 'R', 'D', 'S', '1'};

struct Header {
  char magic[8];
  int32_t version;
  int32_t slot;
  char token[64];
};

Header header_for(const std::string& token) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = 1;
  h.slot = static_cast<int32_t>(kSlot);
  std::strncpy(h.token, token.c_str(), sizeof h.token - 1);
  return h;
}

// A slot: this head, then the path's and the caption's bytes, then each tag as a 16-bit length and
// its bytes. A hole (id 0) or another id is no card.
struct SlotHead {
  int64_t id;
  int32_t width, height;
  float luminance, saturation, colourfulness;
  uint16_t path_bytes, caption_bytes, tag_count, reserved;
};

int64_t offset_of(int64_t id) { return kHeader + id * static_cast<int64_t>(kSlot); }

// Fills `slot` (kSlot bytes) with the card; false (slot untouched) when it does not fit.
bool encode(const Card& c, char* slot) {
  size_t size = sizeof(SlotHead) + c.path.size() + c.caption.size();
  for (const auto& t : c.tags) size += 2 + t.size();
  if (size > kSlot || c.tags.size() > 0xffff) return false;
  SlotHead h{};
  h.id = c.id;
  h.width = c.width;
  h.height = c.height;
  h.luminance = c.appearance.luminance;
  h.saturation = c.appearance.saturation;
  h.colourfulness = c.appearance.colourfulness;
  h.path_bytes = static_cast<uint16_t>(c.path.size());
  h.caption_bytes = static_cast<uint16_t>(c.caption.size());
  h.tag_count = static_cast<uint16_t>(c.tags.size());
  std::memset(slot, 0, kSlot);
  std::memcpy(slot, &h, sizeof h);
  char* p = slot + sizeof h;
  auto put = [&](const std::string& s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(c.path);
  put(c.caption);
  for (const auto& t : c.tags) {
    const uint16_t n = static_cast<uint16_t>(t.size());
    std::memcpy(p, &n, 2);
    p += 2;
    put(t);
  }
  return true;
}

std::optional<Card> decode(const char* slot, int64_t id) {
  SlotHead h;
  std::memcpy(&h, slot, sizeof h);
  if (h.id != id || id == 0) return std::nullopt;
  const char* p = slot + sizeof h;
  const char* const end = slot + kSlot;
  auto take = [&](size_t n, std::string& out) {
    if (n > static_cast<size_t>(end - p)) return false;
    out.assign(p, n);
    p += n;
    return true;
  };
  Card c;
  c.id = id;
  c.width = h.width;
  c.height = h.height;
  c.appearance.luminance = h.luminance;
  c.appearance.saturation = h.saturation;
  c.appearance.colourfulness = h.colourfulness;
  if (!take(h.path_bytes, c.path) || !take(h.caption_bytes, c.caption)) return std::nullopt;
  c.tags.resize(h.tag_count);
  for (auto& t : c.tags) {
    uint16_t n = 0;
    if (end - p < 2) return std::nullopt;
    std::memcpy(&n, p, 2);
    p += 2;
    if (!take(n, t)) return std::nullopt;
  }
  return c;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw Error("cannot " + what + " " + path + ": " + std::strerror(errno) + (errno == ENOSPC ? " (the disk is full)" : ""));
}

}  // namespace

std::unique_ptr<CardFile> CardFile::open(const std::string& path, const std::string& token,
                                         const std::vector<int64_t>& stale, bool writable) {
  if (token.empty()) return nullptr;
  UniqueFd fd(::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC));
  if (!fd) return nullptr;
  Header h{};
  const Header want = header_for(token);
  if (::pread(fd.get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) || std::memcmp(&h, &want, sizeof h) != 0)
    return nullptr;
  std::unique_ptr<CardFile> file(new CardFile(path, std::move(fd)));
  file->stale_.insert(stale.begin(), stale.end());
  file->batch_ = BatchReads::open(path);
  return file;
}

void CardFile::create(const std::string& path, const std::string& token,
                      const std::function<void(const std::function<void(const Card&)>&)>& each) {
  const std::string temporary = path + ".new";
  {
    UniqueFd fd(::open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) fail("create", temporary);
    const Header h = header_for(token);
    write_at(fd.get(), &h, sizeof h, 0, temporary);
    // Cards come in id order: gather neighbours into one write.
    std::vector<char> run;
    int64_t run_first = 0;
    auto flush = [&] {
      if (!run.empty()) write_at(fd.get(), run.data(), run.size(), offset_of(run_first), temporary);
      run.clear();
    };
    each([&](const Card& c) {
      const int64_t next = run_first + static_cast<int64_t>(run.size() / kSlot);
      if (run.empty() || c.id != next || run.size() >= (4u << 20)) {
        flush();
        run_first = c.id;
      }
      run.resize(run.size() + kSlot);
      encode(c, run.data() + run.size() - kSlot);  // left a hole where it does not fit
    });
    flush();
    if (::fdatasync(fd.get()) != 0) fail("sync", temporary);
    if (fd.close() != 0) fail("close", temporary);
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw Error("cannot rename " + temporary + " to " + path + ": " + ec.message());
  const std::string folder = std::filesystem::path(path).parent_path().string();
  UniqueFd dir(::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());  // the rename, durable before the catalog names the new token
}

void CardFile::write(const Card& card) {
  char slot[kSlot] = {};
  encode(card, slot);
  write_at(fd_.get(), slot, kSlot, offset_of(card.id), path_);
}

void CardFile::erase(int64_t id) {
  const char slot[kSlot] = {};
  write_at(fd_.get(), slot, kSlot, offset_of(id), path_);
}

void CardFile::sync(const std::vector<int64_t>& written) {
  if (::fdatasync(fd_.get()) != 0) fail("sync", path_);
  for (int64_t id : written) stale_.erase(id);
}

std::vector<std::optional<Card>> CardFile::read(const std::vector<int64_t>& ids) const {
  std::vector<std::optional<Card>> cards(ids.size());
  std::vector<int64_t> offsets;
  std::vector<size_t> where;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] > 0 && !stale_.count(ids[i])) {
      where.push_back(i);
      offsets.push_back(offset_of(ids[i]));
    }
  if (where.empty()) return cards;
  std::vector<char> slots(where.size() * kSlot);
  std::vector<char> ok;
  if (!batch_ || !batch_->read(offsets, kSlot, slots.data(), ok)) {
    ok.assign(where.size(), 0);
    for (size_t j = 0; j < where.size(); ++j)
      ok[j] = ::pread(fd_.get(), slots.data() + j * kSlot, kSlot, offsets[j]) == static_cast<ssize_t>(kSlot);
  }
  for (size_t j = 0; j < where.size(); ++j)
    if (ok[j]) cards[where[j]] = decode(slots.data() + j * kSlot, ids[where[j]]);
  return cards;
}

}  // namespace lingbi::gallery

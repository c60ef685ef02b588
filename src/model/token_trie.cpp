#include "token_trie.h"

#include <algorithm>
#include <deque>
#include <string>
#include <tuple>

#include "common.h"

namespace lingbi::model_detail {

namespace {

struct Entry {
  llama_token token;
  std::vector<uint32_t> code_points;
  uint32_t value;  // a trailing incomplete UTF-8 sequence: its bits and the bytes it misses
  int remaining;
};

// llama.cpp's grammar decodes a token's text as a C string (to the first NUL) in UTF-8 without
// checking continuation bytes, keeping a trailing incomplete sequence; a stray continuation byte
// where a character should start makes the token one no grammar position accepts (false).
bool decode(const std::string& text, Entry& e) {
  static const int length[16] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
  e.value = 0;
  e.remaining = 0;
  for (size_t i = 0; i < text.size() && text[i] != 0;) {
    const auto first = static_cast<uint8_t>(text[i++]);
    e.remaining = length[first >> 4] - 1;
    if (e.remaining < 0) return false;
    e.value = first & ((1u << (7 - e.remaining)) - 1);
    for (; i < text.size() && text[i] != 0 && e.remaining > 0; ++i, --e.remaining) {
      e.value = (e.value << 6) + (static_cast<uint8_t>(text[i]) & 0x3F);
    }
    if (e.remaining == 0) e.code_points.push_back(e.value);
  }
  return true;
}

}  // namespace

TokenTrie::TokenTrie(const llama_vocab* vocab) : n_vocab_(llama_vocab_n_tokens(vocab)) {
  std::vector<Entry> entries;
  entries.reserve(static_cast<size_t>(n_vocab_));
  for (llama_token t = 0; t < n_vocab_; ++t) {
    if (llama_vocab_is_eog(vocab, t)) {
      eog_.push_back(t);
      continue;
    }
    const std::string piece = common_token_to_piece(vocab, t, true);  // as the grammar sees it
    Entry e{t, {}, 0, 0};
    // An empty text, or one that starts with NUL or is not UTF-8, is allowed nowhere: left out.
    if (piece.empty() || piece[0] == 0 || !decode(piece, e)) continue;
    entries.push_back(std::move(e));
  }
  // Sorted by code points, a prefix before its extensions: each node's tokens and children are
  // then contiguous runs, laid out breadth first so that a node's children sit side by side.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.code_points, a.remaining, a.token) < std::tie(b.code_points, b.remaining, b.token);
  });
  struct Pending {
    uint32_t node;
    size_t begin, end, depth;
  };
  nodes_.emplace_back();
  std::deque<Pending> todo{{root, 0, entries.size(), 0}};
  while (!todo.empty()) {
    const Pending p = todo.front();
    todo.pop_front();
    size_t i = p.begin;
    nodes_[p.node].first_token = static_cast<uint32_t>(ends_.size());
    nodes_[p.node].first_partial = static_cast<uint32_t>(partial_.size());
    for (; i < p.end && entries[i].code_points.size() == p.depth; ++i) {
      const Entry& e = entries[i];
      if (e.remaining == 0) {
        ends_.push_back(e.token);
        ++nodes_[p.node].n_tokens;
      } else {
        partial_.push_back({e.token, e.value, e.remaining});
        ++nodes_[p.node].n_partial;
      }
    }
    nodes_[p.node].first_child = static_cast<uint32_t>(nodes_.size());
    while (i < p.end) {
      const uint32_t cp = entries[i].code_points[p.depth];
      size_t j = i;
      while (j < p.end && entries[j].code_points[p.depth] == cp) ++j;
      Node child;
      child.code_point = cp;
      todo.push_back({static_cast<uint32_t>(nodes_.size()), i, j, p.depth + 1});
      nodes_.push_back(child);
      ++nodes_[p.node].n_children;
      i = j;
    }
  }
}

}  // namespace lingbi::model_detail

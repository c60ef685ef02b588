// The vocabulary's token texts as a trie of Unicode code points, built once per model. A grammar
// checked against every token (grammar_filter.h) walks each shared prefix once instead of once per
// token: at a JSON position that allows only `"` or `}`, it looks at a handful of the 150k tokens.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "llama.h"

namespace lingbi::model_detail {

class TokenTrie {
 public:
  // A token whose text ends inside a UTF-8 sequence (a byte-level piece of a longer character):
  // the bits decoded so far and the number of bytes still missing, as llama.cpp's grammar keeps them.
  struct PartialEnd {
    llama_token token;
    uint32_t value;
    int remaining;
  };
  struct Node {
    uint32_t code_point = 0;    // the last code point of the prefix this node stands for
    uint32_t first_child = 0;   // children are nodes [first_child, first_child + n_children), by code point
    uint32_t n_children = 0;
    uint32_t first_token = 0;   // tokens whose text is exactly this prefix: ends()[first_token, +n_tokens)
    uint32_t n_tokens = 0;
    uint32_t first_partial = 0; // tokens that are this prefix plus part of a character: partial_ends()
    uint32_t n_partial = 0;
  };

  // Every token's text as llama.cpp's grammar sees it (llama_token_to_piece with special tokens
  // rendered), decoded the way the grammar decodes it.
  explicit TokenTrie(const llama_vocab* vocab);

  static constexpr uint32_t root = 0;
  const Node& node(uint32_t i) const { return nodes_[i]; }
  std::span<const Node> children(const Node& n) const { return {nodes_.data() + n.first_child, n.n_children}; }
  uint32_t index(const Node& n) const { return static_cast<uint32_t>(&n - nodes_.data()); }
  std::span<const llama_token> ends(const Node& n) const { return {ends_.data() + n.first_token, n.n_tokens}; }
  std::span<const PartialEnd> partial_ends(const Node& n) const {
    return {partial_.data() + n.first_partial, n.n_partial};
  }
  // End-of-generation tokens: a grammar allows them only where it is complete.
  std::span<const llama_token> end_of_generation() const { return eog_; }
  int n_vocab() const { return n_vocab_; }
  size_t n_nodes() const { return nodes_.size(); }

 private:
  int n_vocab_ = 0;
  std::vector<Node> nodes_;
  std::vector<llama_token> ends_;
  std::vector<PartialEnd> partial_;
  std::vector<llama_token> eog_;
};

}  // namespace lingbi::model_detail

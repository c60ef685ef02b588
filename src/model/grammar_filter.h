// A JSON schema's grammar as a filter on the next token, with llama.cpp's grammar semantics
// (llama-grammar.cpp: the same tokens allowed at every step) but a cheaper pass over the whole
// vocabulary. llama.cpp decodes all 152k token texts of a Qwen vocabulary and runs each through
// every grammar stack on every such pass (9 to 23 ms on one core here); this walks the token trie
// once per stack and prunes a prefix the grammar refuses together with every token that starts
// with it (0.1 ms where JSON's structure allows a few characters, about 8 inside a string).
//
// The grammar itself (its rules, stacks and single-token checks) is llama.cpp's: this reads its
// state through llama.cpp's internal header (src/llama-grammar.h, the one its own grammar tests
// use), which is stable at the pinned commit. Where the walk would not be exact (a grammar
// position that names a token id, or a character split across two tokens), it runs llama.cpp's
// own pass instead.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lingbi/util/c_handle.h"
#include "llama-grammar.h"
#include "token_trie.h"

namespace lingbi::model_detail {

class GrammarFilter {
 public:
  // Parses `grammar` (GBNF, start rule "root") for `vocab`, whose texts `trie` holds (both outlive
  // the filter). Throws lingbi::Error when llama.cpp rejects the grammar.
  GrammarFilter(const llama_vocab* vocab, const TokenTrie& trie, const std::string& grammar);
  GrammarFilter(const GrammarFilter&) = delete;
  GrammarFilter& operator=(const GrammarFilter&) = delete;

  // Whether the grammar allows `token` next (llama.cpp's own check of one token).
  bool allows(llama_token token) const;
  // Sets the logit of every candidate the grammar does not allow next to -infinity.
  void restrict(llama_token_data_array& candidates);
  // Advances the grammar past `token`. Throws lingbi::Error when the grammar does not allow it.
  void accept(llama_token token);

  // How the last restrict() ran: false when it fell back to llama.cpp's pass.
  bool last_walked() const { return walked_; }

 private:
  struct StackHash {
    size_t operator()(const llama_grammar_stack& s) const;
  };
  uint32_t intern(const llama_grammar_stack& s);
  // The stacks a stack becomes once its top character class has matched `code_point` (the same
  // for every character that matches), computed once by llama.cpp's own step.
  std::span<const uint32_t> next(uint32_t stack, uint32_t code_point);
  void walk(const TokenTrie::Node& node, std::span<const uint32_t> stacks);

  const TokenTrie& trie_;
  CHandle<llama_grammar, llama_grammar_free_impl> grammar_;
  std::vector<llama_grammar_stack> stacks_;  // every stack met, by id
  std::unordered_map<llama_grammar_stack, uint32_t, StackHash> ids_;
  std::vector<int32_t> next_of_;                 // per stack id: its index in next_sets_, or -1
  std::deque<std::vector<uint32_t>> next_sets_;  // deque: spans into it stay valid as it grows
  std::vector<uint8_t> allowed_;                 // per token, during restrict()
  bool unsupported_ = false;                     // the walk met a token element
  bool walked_ = false;
};

}  // namespace lingbi::model_detail

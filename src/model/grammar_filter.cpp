#include "grammar_filter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "lingbi/util/error.h"

namespace lingbi::model_detail {

namespace {

bool is_token_element(const llama_grammar_element* pos) {
  return pos->type == LLAMA_GRETYPE_TOKEN || pos->type == LLAMA_GRETYPE_TOKEN_NOT;
}

// Whether code point `c` belongs to the character class that starts at `pos` ([a-z0-9], [^"\\], .).
bool class_matches(const llama_grammar_element* pos, uint32_t c) {
  const bool positive = pos->type != LLAMA_GRETYPE_CHAR_NOT;
  bool found = false;
  do {
    if (pos[1].type == LLAMA_GRETYPE_CHAR_RNG_UPPER) {
      found = found || (pos->value <= c && c <= pos[1].value);
      pos += 2;
    } else if (pos->type == LLAMA_GRETYPE_CHAR_ANY) {
      found = true;
      pos += 1;
    } else {
      found = found || pos->value == c;
      pos += 1;
    }
  } while (pos->type == LLAMA_GRETYPE_CHAR_ALT);
  return found == positive;
}

// Whether some completion of an incomplete UTF-8 sequence (its bits so far, `remaining` bytes to
// come) could belong to the class at `pos`: llama.cpp's rule for a token that ends mid-character.
bool class_may_match(const llama_grammar_element* pos, uint32_t value, int remaining) {
  const bool positive = pos->type != LLAMA_GRETYPE_CHAR_NOT;
  if (remaining < 0 || (remaining == 1 && value < 2)) return false;  // invalid, or an overlong 7-bit character
  uint32_t low = value << (remaining * 6);
  const uint32_t high = low | ((1u << (remaining * 6)) - 1);
  if (low == 0) low = remaining == 2 ? 1u << 11 : remaining == 3 ? 1u << 16 : low;
  do {
    if (pos[1].type == LLAMA_GRETYPE_CHAR_RNG_UPPER) {
      if (pos->value <= high && low <= pos[1].value) return positive;
      pos += 2;
    } else if (pos->type == LLAMA_GRETYPE_CHAR_ANY) {
      return true;
    } else {
      if (low <= pos->value && pos->value <= high) return positive;
      pos += 1;
    }
  } while (pos->type == LLAMA_GRETYPE_CHAR_ALT);
  return !positive;
}

// Calls `f(child)` for each child of `node` whose code point the class at `pos` accepts. A class
// of listed characters and ranges looks only those up (children are sorted by code point).
template <class F>
void for_matching_children(const TokenTrie& trie, const TokenTrie::Node& node, const llama_grammar_element* pos, F&& f) {
  const auto children = trie.children(node);
  // "." and [^...] are tested child by child; [...] (a positive list: its head is a plain
  // character, "." only ever stands alone) looks its characters and ranges up.
  if (pos->type != LLAMA_GRETYPE_CHAR) {
    for (const auto& child : children) {
      if (class_matches(pos, child.code_point)) f(child);
    }
    return;
  }
  auto by_code_point = [](const TokenTrie::Node& n, uint32_t c) { return n.code_point < c; };
  const auto* p = pos;
  do {
    const bool range = p[1].type == LLAMA_GRETYPE_CHAR_RNG_UPPER;
    const uint32_t low = p->value, high = range ? p[1].value : p->value;
    for (auto it = std::lower_bound(children.begin(), children.end(), low, by_code_point);
         it != children.end() && it->code_point <= high; ++it) {
      f(*it);
    }
    p += range ? 2 : 1;
  } while (p->type == LLAMA_GRETYPE_CHAR_ALT);
}

}  // namespace

size_t GrammarFilter::StackHash::operator()(const llama_grammar_stack& s) const {
  size_t h = s.size();
  for (const auto* e : s) h = h * 1000003u ^ std::hash<const void*>{}(e);
  return h;
}

GrammarFilter::GrammarFilter(const llama_vocab* vocab, const TokenTrie& trie, const std::string& grammar)
    : trie_(trie), allowed_(static_cast<size_t>(trie.n_vocab()), 0) {
  grammar_.reset(llama_grammar_init_impl(vocab, grammar.c_str(), "root", false, nullptr, 0, nullptr, 0));
  if (!grammar_) throw Error("cannot set up sampling (the JSON schema's grammar was rejected)");
}

bool GrammarFilter::allows(llama_token token) const {
  llama_token_data one{token, 0.0f, 0.0f};
  llama_token_data_array single{&one, 1, -1, false};
  llama_grammar_apply_impl(*grammar_, &single);
  return one.logit != -INFINITY;
}

void GrammarFilter::accept(llama_token token) {
  try {
    llama_grammar_accept_impl(*grammar_, token);
  } catch (const std::exception& e) {
    throw Error(std::string("the JSON schema's grammar refused a token: ") + e.what());
  }
}

uint32_t GrammarFilter::intern(const llama_grammar_stack& s) {
  auto [it, added] = ids_.try_emplace(s, static_cast<uint32_t>(stacks_.size()));
  if (added) {
    stacks_.push_back(s);
    next_of_.push_back(-1);
  }
  return it->second;
}

std::span<const uint32_t> GrammarFilter::next(uint32_t stack, uint32_t code_point) {
  if (next_of_[stack] < 0) {
    // llama.cpp's own step, run on this stack alone: the grammar's stacks are set aside meanwhile.
    llama_grammar_stacks saved{stacks_[stack]};
    std::swap(saved, grammar_->stacks);
    llama_grammar_accept(grammar_.get(), code_point);
    std::swap(saved, grammar_->stacks);
    std::vector<uint32_t> ids;
    for (const auto& s : saved) ids.push_back(intern(s));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    next_of_[stack] = static_cast<int32_t>(next_sets_.size());
    next_sets_.push_back(std::move(ids));
  }
  return next_sets_[static_cast<size_t>(next_of_[stack])];
}

// `stacks` are the grammar's stacks once the node's prefix is consumed (sorted, distinct; the
// empty stack is a grammar that is complete). A token that is exactly the prefix is allowed; one
// that ends mid-character is allowed when some stack's class may take that character; children
// are visited with the stacks that take their code point.
void GrammarFilter::walk(const TokenTrie::Node& node, std::span<const uint32_t> stacks) {
  if (unsupported_) return;
  if (trie_.index(node) != TokenTrie::root) {
    for (const llama_token t : trie_.ends(node)) allowed_[static_cast<size_t>(t)] = 1;
  }
  for (const auto& p : trie_.partial_ends(node)) {
    for (const uint32_t id : stacks) {
      if (!stacks_[id].empty() && class_may_match(stacks_[id].back(), p.value, p.remaining)) {
        allowed_[static_cast<size_t>(p.token)] = 1;
        break;
      }
    }
  }
  // The stacks that go on (a complete grammar takes no more characters).
  const llama_grammar_element* tops[8];
  uint32_t ids[8];
  size_t n = 0;
  bool listed = true;  // every top a positive list of characters: children are looked up
  for (const uint32_t id : stacks) {
    if (stacks_[id].empty()) continue;
    const llama_grammar_element* top = stacks_[id].back();
    if (is_token_element(top) || n == 8) {  // a token id (or an unusually ambiguous position)
      unsupported_ = true;
      return;
    }
    listed = listed && top->type == LLAMA_GRETYPE_CHAR;
    tops[n] = top;
    ids[n++] = id;
  }
  if (n == 1) {
    for_matching_children(trie_, node, tops[0], [&](const TokenTrie::Node& child) { walk(child, next(ids[0], child.code_point)); });
    return;
  }
  // Several stacks: each child goes on with the stacks that take its code point. Mostly that is
  // one of them (inside a string: the string's characters, not its closing quote), whose next
  // stacks are kept and go on as they are; only a child that several take needs them merged.
  auto visit = [&](const TokenTrie::Node& child) {
    int first = -1;
    bool several = false;
    for (size_t k = 0; k < n; ++k) {
      if (!class_matches(tops[k], child.code_point)) continue;
      several = several || first >= 0;
      if (first < 0) first = static_cast<int>(k);
    }
    if (first < 0) return;
    if (!several) {
      walk(child, next(ids[first], child.code_point));
      return;
    }
    std::vector<uint32_t> merged;
    for (size_t k = static_cast<size_t>(first); k < n; ++k) {
      if (!class_matches(tops[k], child.code_point)) continue;
      const auto more = next(ids[k], child.code_point);
      merged.insert(merged.end(), more.begin(), more.end());
    }
    std::sort(merged.begin(), merged.end());
    merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    walk(child, merged);
  };
  if (!listed) {
    for (const auto& child : trie_.children(node)) visit(child);
    return;
  }
  std::vector<uint32_t> candidates;  // children some list names, each once
  for (size_t k = 0; k < n; ++k) {
    for_matching_children(trie_, node, tops[k], [&](const TokenTrie::Node& child) { candidates.push_back(trie_.index(child)); });
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (const uint32_t c : candidates) visit(trie_.node(c));
}

void GrammarFilter::restrict(llama_token_data_array& candidates) {
  walked_ = false;
  // A character split across the previous token and the next: llama.cpp's pass decodes from there.
  if (grammar_->partial_utf8.n_remain != 0) {
    llama_grammar_apply_impl(*grammar_, &candidates);
    return;
  }
  std::vector<uint32_t> roots;
  bool complete = false;
  for (const auto& s : grammar_->stacks) {
    roots.push_back(intern(s));
    complete = complete || s.empty();
  }
  std::sort(roots.begin(), roots.end());
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
  std::fill(allowed_.begin(), allowed_.end(), 0);
  unsupported_ = false;
  walk(trie_.node(TokenTrie::root), roots);
  if (unsupported_) {
    llama_grammar_apply_impl(*grammar_, &candidates);
    return;
  }
  for (const llama_token t : trie_.end_of_generation()) allowed_[static_cast<size_t>(t)] = complete ? 1 : 0;
  for (size_t i = 0; i < candidates.size; ++i) {
    const auto id = static_cast<size_t>(candidates.data[i].id);
    if (id >= allowed_.size() || !allowed_[id]) candidates.data[i].logit = -INFINITY;
  }
  walked_ = true;
}

}  // namespace lingbi::model_detail

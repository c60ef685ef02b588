// Filling one slot from the gallery: candidates, the selector's choice, and the promise that a
// slot gets a picture whenever the gallery has a readable one left.
#include <algorithm>
#include <chrono>

#include "stages.h"

namespace lingbi::compose {

double fill_slot(const SlotFilling& f, const Article& article, Slot& slot, const std::vector<int64_t>& used,
                 const std::vector<Slot>& chosen_so_far, std::vector<int64_t>& unreadable,
                 std::vector<std::string>& warnings) {
  const std::string where = "picture after paragraph " + std::to_string(slot.after_paragraph);
  double retrieve_ms = 0;
  std::vector<float> query;  // embedded once, searched once or twice
  auto retrieve = [&](const std::vector<int64_t>& exclude) {
    const auto start = std::chrono::steady_clock::now();
    if (query.empty()) query = slot_query(*f.embedder, slot);
    std::vector<Candidate> found =
        retrieve_candidates(query, *f.gallery, slot, exclude, f.k, f.tone_weight, unreadable, warnings);
    retrieve_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return found;
  };
  slot.chosen.reset();
  slot.selector.clear();
  slot.candidates = retrieve(used);
  if (slot.candidates.empty()) {
    warnings.push_back(where + ": the gallery has no unused readable picture left; left out");
    return retrieve_ms;
  }
  if (!f.selector) {
    const Candidate& best = slot.candidates.front();
    slot.chosen = Choice{best.image_id, best.path, "best retrieval score (no selector model)"};
    slot.selector = "best_score";
    return retrieve_ms;
  }
  // The first question stays in the conversation until the slot is filled, so that a follow-up
  // after a decline is only the next candidates (and the model compares them with those it saw).
  Conversation::Aside aside(*f.selector);
  Pick pick = ask_selector(*f.selector, article, slot, slot.candidates, chosen_so_far, f.passage, true);
  if (pick.index) {
    const Candidate& c = slot.candidates.at(*pick.index);
    slot.chosen = Choice{c.image_id, c.path, pick.reason};
    slot.selector = "picked";
    return retrieve_ms;
  }
  // Declined: the next candidates are offered once, as a follow-up.
  std::vector<int64_t> offered = used;
  for (const Candidate& c : slot.candidates)
    if (c.image_id) offered.push_back(*c.image_id);
  std::vector<Candidate> more = retrieve(offered);
  if (!more.empty()) {
    const size_t first = slot.candidates.size();
    slot.candidates.insert(slot.candidates.end(), more.begin(), more.end());
    Pick again = ask_selector_again(*f.selector, slot.candidates, first, article.lang);
    if (again.index) {
      const Candidate& c = slot.candidates.at(*again.index);
      slot.chosen = Choice{c.image_id, c.path, again.reason};
      slot.selector = "picked";
      return retrieve_ms;
    }
    pick.reason = again.reason;
  }
  // Declined again: the best retrieval score stands in, marked so that an editor sees it.
  auto best = std::max_element(slot.candidates.begin(), slot.candidates.end(),
                               [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
  slot.chosen = Choice{best->image_id, best->path,
                       "the selector declined every candidate (" + pick.reason + "); best retrieval score"};
  slot.selector = "declined";
  warnings.push_back(where + ": the selector declined " + std::to_string(slot.candidates.size()) +
                     " candidates; the best retrieval score was placed, marked \"declined\"");
  return retrieve_ms;
}

}  // namespace lingbi::compose

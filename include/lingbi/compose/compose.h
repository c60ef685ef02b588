// Composing an illustrated article: plan, write, mark picture slots, retrieve candidates from the
// gallery, let a vision-language model pick one per slot. The one entry point of the compose
// module; each stage is a file of its own under src/compose/.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lingbi/article/article.h"
#include "lingbi/model/model.h"
#include "lingbi/util/error.h"

namespace lingbi {

class ImageEmbedder;
class Gallery;

struct ComposeOptions {
  std::string instruction;             // a title, an outline, notes or a source text
  std::string lang = "auto";           // "auto" (follow the instruction), "en" or "zh"
  int words = 0;                       // target length (words in English, characters in Chinese); 0: default
  int images = -1;                     // pictures wanted; -1: auto (one per ~375 words)
  int candidates = 4;                  // candidates retrieved per slot (the selector sees these)
  std::vector<std::string> user_images;  // the user's own pictures, placed once each (at most 20)
  std::optional<uint32_t> seed;        // unset: a random seed, recorded in the article
  double tone_weight = 0.02;           // how much a slot's tone may reorder candidates (cosine units)
  // What the selector reads beside the candidates: "passage" (the title, the outline, and the
  // section's heading and paragraphs around the picture's place) or "article" (the whole article).
  // A passage costs the same at any article length (docs/compose.md, "What the selector reads").
  std::string select_context = "passage";
  // Receives the article text as the writer streams it (headings and paragraphs).
  std::function<void(std::string_view)> on_text;
  // Receives one line per step ("writing section 2/4"), for progress display.
  std::function<void(const std::string&)> on_progress;
  // Receives the article so far after every step that changed it: at the start, after the plan,
  // after every section, after the slots are marked and after every slot is filled. It carries
  // Article::progress, so resume_compose can go on from it; save it (save_article) to keep it.
  std::function<void(const Article&)> on_checkpoint;
  // When it becomes true (a signal handler may set it), the model stops within about 100 ms and
  // compose throws Interrupted; the last checkpoint is what was kept.
  const std::atomic<bool>* cancel = nullptr;
};

// Thrown when ComposeOptions::cancel stopped the compose.
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

// The models a compose run uses. `writer` is required. `selector` sees the candidates as images
// and picks one; without it the best retrieval score wins. `embedder` and `gallery` go together;
// without them only the user's own pictures are placed.
struct ComposeModels {
  ChatModel* writer = nullptr;
  ChatModel* selector = nullptr;
  ImageEmbedder* embedder = nullptr;  // the gallery's CLIP model (load_clip_embedder)
  const Gallery* gallery = nullptr;
  nlohmann::json describe = nlohmann::json::object();  // recorded as the article's "models"
};

// One request to a model while composing, for accounting and benchmarks.
struct Exchange {
  std::string stage;     // "describe", "plan", "write", "illustrate" or "select"
  std::string question;  // the text of the question (the history before it is not repeated)
  int images = 0;        // pictures in the question
  bool kept = false;     // the question and its answer stayed in the conversation (planning, writing)
  TokenCounts tokens;    // as the model reported them
};

struct ComposeResult {
  Article article;
  std::vector<std::string> warnings;  // things the user should know (a slot left empty, a cap)
  std::vector<Exchange> exchanges;    // every request, in order
};

// Runs the whole pipeline. Throws lingbi::Error for an empty instruction, a user picture that does
// not decode or more than 20 of them, or a model failure; an empty gallery or a slot without a
// fitting picture is a warning, not an error.
ComposeResult compose_article(const ComposeOptions& options, const ComposeModels& models);

// Goes on with a partial article (one that carries Article::progress, from a checkpoint) from
// its last saved step. What the partial holds is kept as it is: sections written, slots filled,
// seeds and the model conversation, so two resumes of one partial give the same article. The
// instruction, length, picture count and the other content options come from the partial; of
// `options` only the callbacks and `cancel` are used. Throws lingbi::Error when `partial` is
// complete or its progress is malformed.
ComposeResult resume_compose(const Article& partial, const ComposeOptions& options, const ComposeModels& models);

}  // namespace lingbi

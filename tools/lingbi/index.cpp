// `lingbi index`: creates or updates a gallery from folders of pictures (see docs/gallery.md).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/index_threads.h"
#include "lingbi/util/error.h"
#include "store_models.h"

namespace lingbi::cli {

namespace {

struct IndexArgs {
  std::string gallery, clip, shard;
  std::vector<std::string> paths;
  int threads = 0, batch = 16, decode_threads = 0;
  bool hidden = false, prune = false, json = false, quiet = false;
  int64_t max_pixels = 250'000'000;
  double save_interval = 30;
  int64_t flat_limit = 200'000;
};

void parse_shard(const std::string& text, IndexOptions& o) {
  if (text.empty()) return;
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    o.shard = std::stoi(text.substr(0, slash));
    o.shards = std::stoi(text.substr(slash + 1));
  } catch (const std::exception&) {
    throw Error("--shard expects i/N (for example 0/4), got '" + text + "'");
  }
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards)
    throw Error("--shard " + text + ": i must be in 0..N-1 and N at least 1");
}

void run_index(const IndexArgs& a) {
  IndexOptions o;
  o.roots = a.paths;
  const IndexThreads t = plan_index_threads(a.threads, a.decode_threads);
  o.threads = t.decoders;
  o.take_turns = t.take_turns;
  o.batch_size = a.batch;
  o.hidden = a.hidden;
  o.prune = a.prune;
  o.max_pixels = a.max_pixels;
  o.progress = !a.quiet;
  o.save_interval_s = a.save_interval;
  o.flat_limit = a.flat_limit;
  parse_shard(a.shard, o);
  const std::string clip = resolve_clip(a.clip, a.gallery);
  auto embedder = load_clip_embedder(clip, t.encoder, a.batch);
  auto gallery = Gallery::open_for(a.gallery, *embedder);
  gallery->remember_model_path(clip);
  const IndexSummary s = gallery->index(*embedder, o);
  if (a.json) {
    nlohmann::ordered_json j = {{"added", s.added},         {"unchanged", s.unchanged}, {"updated", s.updated},
                                {"duplicates", s.duplicates}, {"failed", s.failed},     {"pruned", s.pruned},
                                {"embedded", s.embedded},     {"seconds", s.seconds}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("added %lld, unchanged %lld, updated %lld, duplicates %lld, failed %lld, pruned %lld (%lld embedded) in %.1f s\n",
                static_cast<long long>(s.added), static_cast<long long>(s.unchanged), static_cast<long long>(s.updated),
                static_cast<long long>(s.duplicates), static_cast<long long>(s.failed), static_cast<long long>(s.pruned),
                static_cast<long long>(s.embedded), s.seconds);
    if (s.failed > 0) std::printf("see the failures with: lingbi gallery errors %s\n", a.gallery.c_str());
  }
}

}  // namespace

void add_index_command(CLI::App& app) {
  static IndexArgs a;
  auto* cmd = app.add_subcommand("index", "Create or update a gallery: walk PATHs, embed new and changed pictures with CLIP");
  cmd->add_option("--gallery,-g", a.gallery, "gallery folder (created if missing)")->required();
  cmd->add_option("--clip", a.clip,
                  "CLIP model (GGUF, or a preset's name); must be the one the gallery was made with (default: the one "
                  "it remembers, else the default preset's, from the model store)");
  cmd->add_option("paths", a.paths, "files and folders to index (recursively)")->required();
  cmd->add_option("-t,--threads", a.threads, "threads (0: one per core); decoders and encoder take turns on them")->default_val(0);
  cmd->add_option("--decode-threads", a.decode_threads, "0: take turns (the default); N: N decoding threads beside an encoder of the other threads")->default_val(0);
  cmd->add_option("--batch", a.batch, "images per encoder call and per committed batch")->default_val(16)->check(CLI::Range(1, 4096));
  cmd->add_flag("--hidden", a.hidden, "also index hidden files and folders (names starting with '.')");
  cmd->add_flag("--prune", a.prune, "forget files under PATHs that no longer exist");
  cmd->add_option("--shard", a.shard, "index only share i of N (i/N, 0-based), for many machines; merge with `lingbi gallery merge`");
  cmd->add_option("--max-pixels", a.max_pixels, "refuse images whose header claims more pixels")->default_val(a.max_pixels);
  cmd->add_option("--save-interval", a.save_interval, "write the vector index at least every this many seconds")
      ->default_val(a.save_interval);
  cmd->add_option("--flat-limit", a.flat_limit,
                  "the index becomes IVF-PQ at the end of a run that leaves at least this many images (at least 1024)")
      ->default_val(a.flat_limit)->check(CLI::PositiveNumber);
  cmd->add_flag("--json", a.json, "print the summary as JSON");
  cmd->add_flag("-q,--quiet", a.quiet, "no progress output");
  cmd->callback([] { run_index(a); });
}

}  // namespace lingbi::cli

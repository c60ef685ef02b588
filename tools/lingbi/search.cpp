// `lingbi search`: the best pictures of a gallery for a text or an example image.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "lingbi/util/path_json.h"
#include "store_models.h"

namespace lingbi::cli {

namespace {

struct SearchArgs {
  std::string gallery, clip, text, image, exclude, path_glob;
  int k = 10;
  bool json = false;
  float duplicate_threshold = 0.97f, mmr = 0;
  int threads = 0, probes = 0, rerank = 0;
};

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    try {
      size_t used = 0;
      ids.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error("--exclude expects image ids separated by commas, got '" + item + "'");
    }
  }
  return ids;
}

void run_search(const SearchArgs& a) {
  if (a.text.empty() == a.image.empty()) throw Error("give either a text query or --image FILE (not both)");
  auto embedder = load_clip_embedder(resolve_clip(a.clip, a.gallery), a.threads, 16);
  auto gallery = Gallery::open(a.gallery);
  gallery->check_model(*embedder);
  const std::vector<float> query =
      a.image.empty() ? embedder->embed_text(a.text) : Gallery::embed_image_file(*embedder, a.image);
  SearchOptions o;
  o.k = a.k;
  o.exclude = parse_ids(a.exclude);
  o.path_glob = a.path_glob;
  o.duplicate_threshold = a.duplicate_threshold;
  o.mmr = a.mmr;
  o.probes = a.probes;
  o.rerank = a.rerank;
  const auto hits = gallery->search(query, o);
  if (a.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& h : hits) {
      nlohmann::ordered_json hit = {{"id", h.id}, {"score", h.score}};
      put_path(hit, "path", h.path);  // plus path_base64 when the name is not UTF-8
      hit.update(nlohmann::ordered_json{{"caption", h.caption},
                                        {"tags", h.tags},
                                        {"width", h.width},
                                        {"height", h.height},
                                        {"luminance", h.appearance.luminance},
                                        {"saturation", h.appearance.saturation},
                                        {"colourfulness", h.appearance.colourfulness},
                                        // Which text tower read the query: "clip", "chinese_clip", "siglip".
                                        {"model", embedder->name()},
                                        {"model_family", embedder->family()}});
      out.push_back(std::move(hit));
    }
    // A caption or tag from a file in a legacy encoding prints with U+FFFD rather than failing.
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
    return;
  }
  for (size_t i = 0; i < hits.size(); ++i)
    std::printf("%2zu  %.4f  id %-8lld %s%s%s\n", i + 1, hits[i].score, static_cast<long long>(hits[i].id),
                hits[i].path.c_str(), hits[i].caption.empty() ? "" : "  ", hits[i].caption.c_str());
}

}  // namespace

void add_search_command(CLI::App& app) {
  static SearchArgs a;
  auto* cmd = app.add_subcommand("search", "Search a gallery with a text or an example image (--image)");
  cmd->add_option("--gallery,-g", a.gallery, "gallery folder")->required();
  cmd->add_option("--clip", a.clip,
                  "CLIP model (GGUF, or a preset's name) the gallery was indexed with (default: the one it remembers)");
  cmd->add_option("text", a.text,
                  "what to look for, in the languages the gallery's CLIP model reads (Chinese too for Chinese-CLIP "
                  "and multilingual SigLIP models)");
  cmd->add_option("--image", a.image, "find pictures like this image file");
  cmd->add_option("-k", a.k, "number of results")->default_val(10)->check(CLI::Range(1, 10000));
  cmd->add_option("--exclude", a.exclude, "image ids never to return, separated by commas");
  cmd->add_option("--path-glob", a.path_glob, "only pictures with a path matching this glob (fnmatch, * crosses /)");
  cmd->add_option("--dup-threshold", a.duplicate_threshold,
                  "drop a result at least this similar (cosine) to a better one; 1 keeps near duplicates")
      ->default_val(0.97f);
  cmd->add_option("--mmr", a.mmr, "diversity weight in [0,1] for maximal marginal relevance (0: by score)")
      ->default_val(0.0f)
      ->check(CLI::Range(0.0f, 1.0f));
  cmd->add_option("--probes", a.probes, "IVF-PQ galleries: lists probed (0: the default, see docs/gallery.md)")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--rerank", a.rerank, "IVF-PQ galleries: candidates re-ranked exactly per result (0: the default, 24)")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-t,--threads", a.threads, "encoder threads (0: one per core)")->default_val(0);
  cmd->add_flag("--json", a.json, "print results as JSON (a path that is not UTF-8 also as path_base64)");
  cmd->callback([] { run_search(a); });
}

}  // namespace lingbi::cli

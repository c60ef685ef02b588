// `lingbi gallery info|errors|merge|optimize`: inspect and maintain galleries.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/util/error.h"
#include "lingbi/util/path_json.h"

namespace lingbi::cli {

namespace {

struct GalleryArgs {
  std::string gallery, out;
  std::vector<std::string> inputs;
  bool json = false;
  int64_t flat_limit = 200'000;
};

void run_info(const GalleryArgs& a) {
  const GalleryInfo i = Gallery::open(a.gallery)->info();
  if (a.json) {
    nlohmann::ordered_json j = {{"images", i.images}, {"paths", i.paths},   {"failed", i.failed},
                                {"vectors", i.vectors}, {"index", i.index}, {"dim", i.dim},
                                {"model", i.model},   {"model_hash", i.model_hash}, {"model_path", i.model_path}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("gallery  %s\nimages   %lld\npaths    %lld\nfailed   %lld\nindex    %s (%lld vectors, %d-d)\nmodel    %s (%s)\n",
              a.gallery.c_str(), static_cast<long long>(i.images), static_cast<long long>(i.paths),
              static_cast<long long>(i.failed), i.index.c_str(), static_cast<long long>(i.vectors), i.dim,
              i.model.c_str(), i.model_hash.c_str());
  if (!i.model_path.empty()) std::printf("file     %s\n", i.model_path.c_str());
}

void run_errors(const GalleryArgs& a) {
  const auto failures = Gallery::open(a.gallery)->failures();
  if (a.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& f : failures) {
      nlohmann::ordered_json failure = nlohmann::ordered_json::object();
      put_path(failure, "path", f.path);  // plus path_base64 when the name is not UTF-8
      failure["reason"] = valid_utf8(f.reason);  // a reason may quote the path
      j.push_back(std::move(failure));
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  for (const auto& f : failures) std::printf("%s\t%s\n", f.path.c_str(), f.reason.c_str());
}

void run_merge(const GalleryArgs& a) {
  // Every input's model first, so that a mismatch changes nothing; each input then merges all or
  // nothing (one that fails leaves OUT as the inputs before it made it).
  auto first = Gallery::open(a.inputs.at(0));
  const GalleryInfo model = first->info();
  for (size_t i = 1; i < a.inputs.size(); ++i)
    if (const GalleryInfo other = Gallery::open(a.inputs[i])->info(); other.model_hash != model.model_hash)
      throw Error("cannot merge " + a.inputs[i] + ": it was indexed with CLIP model '" + other.model + "' (" +
                  other.model_hash + "), " + a.inputs[0] + " with '" + model.model + "' (" + model.model_hash +
                  "); merge only galleries made with one model (nothing was merged)");
  auto out = Gallery::open_like(a.out, *first);
  if (!model.model_path.empty()) out->remember_model_path(model.model_path);
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    if (i > 0) first = Gallery::open(a.inputs[i]);
    out->merge_from(*first);
  }
  const GalleryInfo i = out->info();
  std::printf("%s: %lld images, %lld paths, %lld failed\n", a.out.c_str(), static_cast<long long>(i.images),
              static_cast<long long>(i.paths), static_cast<long long>(i.failed));
}

void run_optimize(const GalleryArgs& a) {
  auto g = Gallery::open(a.gallery, Gallery::Access::write);
  const std::string kind = g->optimize(a.flat_limit);
  std::printf("%s: index rebuilt as %s for %lld vectors\n", a.gallery.c_str(), kind.c_str(),
              static_cast<long long>(g->info().vectors));
}

}  // namespace

void add_gallery_command(CLI::App& app) {
  static GalleryArgs a;
  auto* cmd = app.add_subcommand("gallery", "Inspect and maintain galleries (info, errors, merge, optimize)");
  cmd->require_subcommand(1);

  auto* info = cmd->add_subcommand("info", "Counts, index kind and CLIP model of a gallery");
  info->add_option("gallery", a.gallery, "gallery folder")->required();
  info->add_flag("--json", a.json, "print as JSON");
  info->callback([] { run_info(a); });

  auto* errors = cmd->add_subcommand("errors", "Each file that could not be indexed, with the reason");
  errors->add_option("gallery", a.gallery, "gallery folder")->required();
  errors->add_flag("--json", a.json, "print as JSON (a path that is not UTF-8 also as path_base64)");
  errors->callback([] { run_errors(a); });

  auto* merge = cmd->add_subcommand("merge", "Merge galleries made with the same CLIP model into OUT (no re-embedding)");
  merge->add_option("out", a.out, "output gallery folder (created if missing)")->required();
  merge->add_option("inputs", a.inputs, "galleries to merge")->required();
  merge->callback([] { run_merge(a); });

  auto* optimize = cmd->add_subcommand("optimize", "Rebuild the vector index with the kind suited to the gallery's size");
  optimize->add_option("gallery", a.gallery, "gallery folder")->required();
  optimize->add_option("--flat-limit", a.flat_limit, "exact (Flat) index below this many images, IVF-PQ above")
      ->default_val(a.flat_limit);
  optimize->callback([] { run_optimize(a); });
}

}  // namespace lingbi::cli

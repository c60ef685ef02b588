// `lingbi pull NAME | REPO:FILE`: models from a Hugging Face-compatible hub into the model store;
// `lingbi models [rm NAME]`: what the store holds (docs/models.md).
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "lingbi/clip/clip_convert.h"
#include "lingbi/hub/hub_repo.h"
#include "lingbi/hub/model_store.h"
#include "lingbi/hub/presets.h"
#include "lingbi/hub/pull.h"
#include "lingbi/util/error.h"
#include "store_models.h"

namespace lingbi::cli {

namespace fs = std::filesystem;

namespace {

struct PullArgs {
  std::vector<std::string> names;
  std::string revision;
  int retries = 2;
  double interval = 2;
  bool quiet = false;
};

// "owner/name:file" → repository and file (the file may be empty).
std::pair<std::string, std::string> split_repo(const std::string& text) {
  const auto colon = text.find(':');
  std::string repo = text.substr(0, colon), file = colon == std::string::npos ? "" : text.substr(colon + 1);
  const auto slash = repo.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == repo.size() || repo.find('/', slash + 1) != std::string::npos)
    throw Error("'" + text + "' is neither a preset nor a repository: give OWNER/NAME:FILE");
  return {repo, file};
}

// A repository named without a file: its one GGUF model and, when it has exactly one, its
// projector (an mmproj file). Several models (quantisations) are a choice for the user.
std::vector<std::string> files_of_repo(const std::string& endpoint, const std::string& repo, const std::string& revision) {
  std::vector<std::string> models, projectors;
  for (const std::string& f : hub_list_files(endpoint, repo, revision, hub_token())) {
    if (!f.ends_with(".gguf")) continue;
    (f.find("mmproj") != std::string::npos ? projectors : models).push_back(f);
  }
  if (models.size() != 1) {
    std::string list;
    for (const std::string& m : models) list += "\n  " + repo + ":" + m;
    throw Error(models.empty() ? "repository " + repo + " has no GGUF model file; lingbi runs GGUF files"
                               : "repository " + repo + " has " + std::to_string(models.size()) +
                                     " GGUF models; pull one of them:" + list);
  }
  if (projectors.size() == 1) models.push_back(projectors.front());
  return models;
}

// The preset's converted GGUF, made from the files just pulled (a Hugging Face CLIP folder).
void convert_on_arrival(const Preset& p, bool quiet) {
  if (p.convert.empty()) return;
  const fs::path out = preset_gguf_path(p);
  if (fs::exists(out)) return;
  if (p.convert != "clip") throw Error("preset " + p.name + ": unknown conversion '" + p.convert + "'");
  if (!quiet) std::fprintf(stderr, "pull: converting %s to %s\n", p.repo.c_str(), out.string().c_str());
  const fs::path tmp = out.string() + ".converting";
  try {
    convert_clip_hf(out.parent_path().string(), tmp.string(), ClipWeightType::F16);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, out);
}

void run_pull(const PullArgs& a) {
  const std::vector<Preset> presets = load_presets();
  const fs::path store = model_store_dir();
  const std::string endpoint = hub_endpoint();
  std::vector<PullItem> items;
  std::vector<const Preset*> to_convert;
  for (const std::string& name : a.names) {
    if (find_preset(presets, name) || name.find('/') == std::string::npos) {
      for (const Preset* p : expand_preset(presets, name)) {  // throws for an unknown name
        for (const PresetFile& f : p->files) {
          PullItem item{{endpoint, p->repo, a.revision.empty() ? p->revision : a.revision, f.file},
                        store_path(store, p->repo, f.file), f.sha256};
          items.push_back(std::move(item));
        }
        to_convert.push_back(p);
      }
      continue;
    }
    const auto [repo, file] = split_repo(name);
    const std::string revision = a.revision.empty() ? "main" : a.revision;
    for (const std::string& f : file.empty() ? files_of_repo(endpoint, repo, revision) : std::vector<std::string>{file})
      items.push_back(PullItem{{endpoint, repo, revision, f}, store_path(store, repo, f), ""});
  }
  PullOptions o;
  o.token = hub_token();
  o.retries = a.retries;
  o.progress = a.quiet ? nullptr : stderr;
  o.plain_interval_s = a.interval;
  const PullSummary s = pull_files(items, o);
  for (const Preset* p : to_convert) convert_on_arrival(*p, a.quiet);
  if (!a.quiet)
    std::printf("pulled %lld file(s) into %s (%lld already there, %s received)\n", static_cast<long long>(s.files),
                store.string().c_str(), static_cast<long long>(s.present), human_bytes(s.transferred).c_str());
}

// Which presets each stored file belongs to.
std::map<std::string, std::set<std::string>> owners(const std::vector<Preset>& presets) {
  std::map<std::string, std::set<std::string>> out;
  for (const Preset& p : presets) {
    if (p.kind == "set") continue;
    for (const PresetFile& f : p.files) out[p.repo + "/" + f.file].insert(p.name);
    if (!p.output.empty()) out[p.repo + "/" + p.output].insert(p.name);
  }
  for (const Preset& p : presets)
    if (p.kind == "set")
      for (const Preset* inner : expand_preset(presets, p.name)) {
        for (const PresetFile& f : inner->files) out[inner->repo + "/" + f.file].insert(p.name);
        if (!inner->output.empty()) out[inner->repo + "/" + inner->output].insert(p.name);
      }
  return out;
}

void run_models(bool json) {
  const std::vector<Preset> presets = load_presets();
  const fs::path store = model_store_dir();
  const auto files = list_store(store);
  const auto owner = owners(presets);
  auto presets_of = [&](const StoredFile& f) {
    std::vector<std::string> names;
    if (auto it = owner.find(f.repo + "/" + f.file); it != owner.end()) names.assign(it->second.begin(), it->second.end());
    return names;
  };
  if (json) {
    nlohmann::ordered_json out = {{"store", store.string()}, {"files", nlohmann::ordered_json::array()}};
    for (const StoredFile& f : files)
      out["files"].push_back({{"repo", f.repo}, {"file", f.file}, {"path", f.path.string()}, {"size", f.size},
                              {"presets", presets_of(f)}});
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("model store: %s\n", store.string().c_str());
  if (files.empty()) {
    std::printf("(empty: get the default models with `lingbi pull default`)\n");
    return;
  }
  int64_t total = 0;
  for (const StoredFile& f : files) {
    std::string names;
    for (const std::string& n : presets_of(f)) names += (names.empty() ? "" : ",") + n;
    std::printf("%10s  %s:%s%s%s\n", human_bytes(f.size).c_str(), f.repo.c_str(), f.file.c_str(),
                names.empty() ? "" : "  preset ", names.c_str());
    total += f.size;
  }
  std::printf("%10s  in all\n", human_bytes(total).c_str());
}

void run_models_rm(const std::vector<std::string>& names) {
  const std::vector<Preset> presets = load_presets();
  const fs::path store = model_store_dir();
  std::vector<fs::path> doomed;
  for (const std::string& name : names) {
    if (find_preset(presets, name) || name.find('/') == std::string::npos) {
      for (const Preset* p : expand_preset(presets, name)) {
        for (const PresetFile& f : p->files) doomed.push_back(store_path(store, p->repo, f.file));
        if (!p->output.empty()) doomed.push_back(store_path(store, p->repo, p->output));
      }
      continue;
    }
    const auto [repo, file] = split_repo(name);
    const fs::path path = file.empty() ? store / repo : store_path(store, repo, file);
    if (!fs::exists(path)) throw Error(name + " is not in the model store " + store.string());
    doomed.push_back(path);
  }
  int64_t freed = 0, removed = 0;
  for (const fs::path& p : doomed) {
    std::error_code ec;
    for (const fs::path& q : {p, fs::path(p.string() + ".part"), fs::path(p.string() + ".part.etag")}) {
      if (!fs::exists(q, ec)) continue;
      if (fs::is_regular_file(q, ec)) freed += static_cast<int64_t>(fs::file_size(q, ec));
      removed += static_cast<int64_t>(fs::remove_all(q, ec));
      if (ec) throw Error("cannot remove " + q.string() + ": " + ec.message());
    }
    // Empty repository and owner folders go too.
    for (fs::path dir = p.parent_path(); dir != store && dir.has_parent_path() && fs::is_empty(dir, ec); dir = dir.parent_path())
      fs::remove(dir, ec);
  }
  if (removed == 0) {
    std::printf("nothing of %s is in the model store\n", names.front().c_str());
    return;
  }
  std::printf("removed %lld file(s), %s\n", static_cast<long long>(removed), human_bytes(freed).c_str());
}

}  // namespace

void add_pull_command(CLI::App& app) {
  static PullArgs a;
  auto* cmd = app.add_subcommand(
      "pull", "Download models from a Hugging Face-compatible hub (HF_ENDPOINT, HF_TOKEN) into the model store "
              "(LINGBI_MODELS): a preset's name (`lingbi pull default`), OWNER/NAME:FILE or OWNER/NAME");
  cmd->add_option("names", a.names,
                  "presets (default, large, qwen2.5-vl-3b, ...), OWNER/NAME:FILE, or OWNER/NAME (its one GGUF model "
                  "and its mmproj)")
      ->required();
  cmd->add_option("--revision", a.revision, "branch, tag or commit to pull (default: the preset's, else main)");
  cmd->add_option("--retries", a.retries, "further attempts, each resuming, when a connection breaks")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  cmd->add_option("--progress-interval", a.interval, "seconds between progress lines when stderr is not a terminal")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", a.quiet, "no progress output");
  cmd->callback([] { run_pull(a); });
}

void add_models_command(CLI::App& app) {
  static bool json = false;
  static std::vector<std::string> rm_names;
  auto* cmd = app.add_subcommand("models", "List the model store (LINGBI_MODELS) with sizes and presets; `models rm NAME`");
  cmd->add_flag("--json", json, "print the list as JSON");
  auto* rm = cmd->add_subcommand("rm", "Remove a preset's files (or OWNER/NAME[:FILE]) from the model store");
  rm->add_option("names", rm_names, "presets or OWNER/NAME[:FILE]")->required();
  rm->callback([] { run_models_rm(rm_names); });
  cmd->callback([cmd] {
    if (cmd->get_subcommands().empty()) run_models(json);
  });
}

}  // namespace lingbi::cli

#include "store_models.h"

#include "lingbi/gallery/gallery.h"
#include "lingbi/hub/model_store.h"
#include "lingbi/util/error.h"
#include "model_flags.h"

namespace lingbi::cli {

namespace fs = std::filesystem;

namespace {

// The first preset of `kind` in the default set.
const Preset* default_of_kind(const std::vector<Preset>& presets, const std::string& kind) {
  for (const Preset* p : expand_preset(presets, "default"))
    if (p->kind == kind) return p;
  throw Error("the presets have no " + kind + " model in the set 'default'");
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_regular_file(p, ec);
}

}  // namespace

std::string pull_hint(const std::vector<Preset>& presets, const std::string& name) {
  std::string hint = "`lingbi pull " + name + "`";
  int64_t known = 0;
  bool unknown = false;
  for (const Preset* p : expand_preset(presets, name)) {
    for (const PresetFile& f : p->files) {
      if (f.size >= 0) known += f.size;
      else unknown = true;
    }
  }
  if (known > 0) hint += " (" + human_bytes(known) + (unknown ? " plus files of unpublished size" : "") + ")";
  return hint + " into " + model_store_dir().string();
}

fs::path preset_gguf_path(const Preset& p) { return store_path(model_store_dir(), p.repo, p.gguf()); }

fs::path preset_mmproj_path(const Preset& p) {
  const PresetFile* f = p.file_with_role("mmproj");
  return f ? store_path(model_store_dir(), p.repo, f->file) : fs::path();
}

void resolve_model(ModelFlags& flags, const std::string& what) {
  if (!flags.remote.endpoint.empty()) return;
  const std::string given = flags.local.model.string();
  if (!given.empty() && is_file(flags.local.model)) return;
  const std::vector<Preset> presets = load_presets();
  const Preset* p = nullptr;
  std::string name = given;
  if (given.empty()) {
    p = default_of_kind(presets, "vlm");
    name = "default";
  } else {
    p = find_preset(presets, given);
    if (!p) return;  // a path that does not exist: the loader says so
    if (p->kind == "set")
      for (const Preset* inner : expand_preset(presets, given))
        if (inner->kind == "vlm") {
          p = inner;
          break;
        }
    if (p->kind != "vlm") throw Error("-m " + given + ": preset '" + given + "' is a " + p->kind + " model, not a writer");
  }
  const fs::path model = preset_gguf_path(*p), mmproj = preset_mmproj_path(*p);
  if (!is_file(model) || (!mmproj.empty() && flags.local.mmproj.empty() && !is_file(mmproj)))
    throw Error(what + ": " + (given.empty() ? "no model given (-m FILE.gguf or --endpoint URL), and the default model "
                                             : "model ") +
                p->name + " is not in the model store; run " + pull_hint(presets, name));
  flags.local.model = model;
  if (flags.local.mmproj.empty() && !mmproj.empty()) flags.local.mmproj = mmproj;
}

std::string resolve_clip(const std::string& clip, const std::string& gallery) {
  if (!clip.empty() && is_file(clip)) return clip;
  std::vector<Preset> presets;
  if (!clip.empty()) {
    presets = load_presets();
    const Preset* p = find_preset(presets, clip);
    if (!p || p->kind != "clip") return clip;  // a path that does not exist: the loader says so
    if (!is_file(preset_gguf_path(*p)))
      throw Error("CLIP model " + clip + " is not in the model store; run " + pull_hint(presets, clip));
    return preset_gguf_path(*p).string();
  }
  std::error_code ec;
  if (!gallery.empty() && fs::exists(fs::path(gallery) / "catalog.sqlite", ec)) {
    const std::string remembered = Gallery::remembered_model_path(gallery);
    if (is_file(remembered)) return remembered;
    if (!remembered.empty())
      throw Error("gallery " + gallery + " was indexed with the CLIP model " + remembered +
                  ", which is no longer there; give it with --clip");
  }
  presets = load_presets();
  const Preset* p = default_of_kind(presets, "clip");
  if (is_file(preset_gguf_path(*p))) return preset_gguf_path(*p).string();
  throw Error("no CLIP model given (--clip FILE.gguf) and the default one (" + p->name +
              ") is not in the model store; run " + pull_hint(presets, p->name) + ", or `lingbi pull default` for it and the writer");
}

}  // namespace lingbi::cli

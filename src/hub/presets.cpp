#include "lingbi/hub/presets.h"

#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "lingbi/util/error.h"
#include "lingbi/util/read_file.h"

namespace lingbi {

// models/presets.json, built in by src/hub/CMakeLists.txt.
extern const char* const kBuiltInPresets;

const PresetFile* Preset::file_with_role(const std::string& role) const {
  for (const PresetFile& f : files)
    if (f.role == role) return &f;
  return nullptr;
}

std::vector<Preset> parse_presets(const std::string& text) {
  std::vector<Preset> out;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    for (const auto& p : j.at("presets")) {
      Preset preset;
      preset.name = p.at("name").get<std::string>();
      preset.kind = p.at("kind").get<std::string>();
      preset.repo = p.value("repo", "");
      preset.revision = p.value("revision", "main");
      preset.license = p.value("license", "");
      preset.purpose = p.value("for", "");
      preset.confirmed = p.value("confirmed", "");
      preset.convert = p.value("convert", "");
      preset.output = p.value("output", "");
      if (p.contains("includes")) preset.includes = p.at("includes").get<std::vector<std::string>>();
      if (p.contains("files"))
        for (const auto& f : p.at("files")) {
          PresetFile file;
          file.file = f.at("file").get<std::string>();
          file.role = f.value("role", "model");
          file.size = f.value("size", int64_t{-1});
          file.sha256 = f.value("sha256", "");
          preset.files.push_back(std::move(file));
        }
      if (preset.kind != "set" && (preset.repo.empty() || preset.files.empty()))
        throw Error("preset '" + preset.name + "' needs a repo and files");
      out.push_back(std::move(preset));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("the presets file is not valid: ") + e.what());
  }
  return out;
}

std::vector<Preset> load_presets() {
  if (const char* path = std::getenv("LINGBI_PRESETS"); path && *path) {
    try {
      const auto bytes = read_file_bytes(path);
      return parse_presets(std::string(bytes.begin(), bytes.end()));
    } catch (const Error& e) {
      throw Error(std::string("LINGBI_PRESETS=") + path + ": " + e.what());
    }
  }
  return parse_presets(kBuiltInPresets);
}

const Preset* find_preset(const std::vector<Preset>& presets, const std::string& name) {
  for (const Preset& p : presets)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<const Preset*> expand_preset(const std::vector<Preset>& presets, const std::string& name) {
  std::vector<const Preset*> out;
  std::function<void(const std::string&, int)> add = [&](const std::string& n, int depth) {
    const Preset* p = find_preset(presets, n);
    if (!p) {
      std::string known;
      for (const Preset& q : presets) known += (known.empty() ? "" : ", ") + q.name;
      throw Error("unknown preset '" + n + "' (presets: " + known + "); or give a repository as OWNER/NAME:FILE");
    }
    if (depth > 8) throw Error("preset '" + n + "' includes itself");
    if (p->kind == "set") {
      for (const std::string& inner : p->includes) add(inner, depth + 1);
      return;
    }
    for (const Preset* seen : out)
      if (seen == p) return;
    out.push_back(p);
  };
  add(name, 0);
  return out;
}

int64_t preset_size(const std::vector<Preset>& presets, const std::string& name) {
  int64_t total = 0;
  for (const Preset* p : expand_preset(presets, name))
    for (const PresetFile& f : p->files) {
      if (f.size < 0) return -1;
      total += f.size;
    }
  return total;
}

}  // namespace lingbi

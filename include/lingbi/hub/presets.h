// Named model presets (models/presets.json, built into the binary): what `lingbi pull NAME` gets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lingbi {

struct PresetFile {
  std::string file;    // path in the repository
  std::string role;    // "model", "mmproj", or "source" (input of a conversion)
  int64_t size = -1;   // bytes as published; -1 when not known
  std::string sha256;  // as published; empty when not known (the hub's own digest is checked anyway)
};

struct Preset {
  std::string name;
  std::string kind;      // "vlm" (a writer and selector with its mmproj), "clip", or "set" (of other presets)
  std::string repo;      // empty for a set
  std::string revision = "main";
  std::string license;
  std::string purpose;   // what it is for
  std::string confirmed; // how the names, sizes and digests were checked
  std::vector<PresetFile> files;
  std::vector<std::string> includes;  // a set's presets
  std::string convert;   // "clip": the files are a Hugging Face CLIP folder that convert-clip turns into `output`
  std::string output;    // the GGUF made on arrival (convert)

  // The file with this role, or nullptr.
  const PresetFile* file_with_role(const std::string& role) const;
  // The GGUF this preset gives a program: its "model" file, or `output` when converted.
  std::string gguf() const { return !output.empty() ? output : (file_with_role("model") ? file_with_role("model")->file : ""); }
};

// The presets: LINGBI_PRESETS (a file) when set, else those built into the binary. Throws
// lingbi::Error when the file cannot be read or parsed.
std::vector<Preset> load_presets();
// Parses the presets file format; throws lingbi::Error naming what is wrong.
std::vector<Preset> parse_presets(const std::string& json_text);

// The preset called `name`, or nullptr.
const Preset* find_preset(const std::vector<Preset>& presets, const std::string& name);
// `name` with a set expanded into the presets it includes (recursively), in order, no repeats.
// Throws lingbi::Error for an unknown name, listing the known ones.
std::vector<const Preset*> expand_preset(const std::vector<Preset>& presets, const std::string& name);
// The published size of every file of `name` (expanded), -1 when any size is unknown.
int64_t preset_size(const std::vector<Preset>& presets, const std::string& name);

}  // namespace lingbi

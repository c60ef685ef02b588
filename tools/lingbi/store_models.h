// Models from the model store (`lingbi pull`): the default preset when no model is given, a
// preset's name where a path is expected, and the command to run when a model is missing.
#pragma once

#include <filesystem>
#include <string>

#include "lingbi/hub/presets.h"

namespace lingbi::cli {

struct ModelFlags;

// "`lingbi pull NAME` (about 3.3 GB)": what to run to get preset `name`.
std::string pull_hint(const std::vector<Preset>& presets, const std::string& name);

// The GGUF of preset `p` in the store (its model file, or the converted output), and its mmproj
// (empty when it has none). Either may not exist yet.
std::filesystem::path preset_gguf_path(const Preset& p);
std::filesystem::path preset_mmproj_path(const Preset& p);

// Fills -m (and --mmproj when it is not given) for `what` ("writer", "chat"): with -m NAME of a
// preset, that preset's files in the store; with no -m and no --endpoint, the default set's
// vision-language model. Throws lingbi::Error naming the `lingbi pull` command when the files are
// not in the store. A -m that names an existing file is left as it is.
void resolve_model(ModelFlags& flags, const std::string& what);

// The CLIP model to use when --clip is `clip`: a preset's name becomes its GGUF in the store; an
// empty one becomes the model the gallery remembers (when `gallery` exists and that file is still
// there), else the default set's CLIP model. Throws lingbi::Error naming the `lingbi pull`
// command when there is none.
std::string resolve_clip(const std::string& clip, const std::string& gallery);

}  // namespace lingbi::cli

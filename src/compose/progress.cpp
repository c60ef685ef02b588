#include "progress.h"

#include "lingbi/util/error.h"
#include "lingbi/util/path_json.h"

namespace lingbi::compose {

using nlohmann::json;

json progress_to_json(const ComposeProgress& p) {
  json pictures = json::array();
  for (const UserPicture& u : p.pictures)
    pictures.push_back({{"path", u.path}, {"description", u.description}});
  json outline = nullptr;
  if (p.outline) {
    json sections = json::array();
    for (const PlannedSection& s : p.outline->sections)
      sections.push_back({{"heading", s.heading}, {"key_points", s.key_points}, {"budget", s.budget}});
    outline = {{"title", p.outline->title}, {"sections", sections}};
  }
  return {{"step", p.step},
          {"options",
           {{"length", p.length},
            {"images", p.images},
            {"candidates", p.candidates},
            {"tone_weight", p.tone_weight},
            {"select_context", p.select_context}}},
          {"pictures", pictures},
          {"outline", outline},
          {"slots_filled", p.slots_filled},
          {"conversations", {{"writer", p.writer}, {"selector", p.selector}}},
          {"warnings", p.warnings}};
}

ComposeProgress progress_from_json(const json& j) {
  ComposeProgress p;
  try {
    p.step = j.at("step").get<std::string>();
    if (p.step != "describe" && p.step != "plan" && p.step != "write" && p.step != "illustrate" &&
        p.step != "select")
      throw Error("progress.step: \"" + p.step + "\" is not a step of compose");
    const json& o = j.at("options");
    p.length = o.at("length").get<int>();
    p.images = o.at("images").get<int>();
    p.candidates = o.at("candidates").get<int>();
    p.tone_weight = o.at("tone_weight").get<double>();
    // Partial articles saved before it existed were selecting with the whole article.
    p.select_context = o.value("select_context", std::string("article"));
    check_select_context(p.select_context, "progress is malformed: options.select_context");
    for (const json& u : j.at("pictures")) {
      std::string path = u.at("path");
      if (u.contains("path_base64")) {
        auto bytes = decode_base64(u["path_base64"].get<std::string>());
        if (!bytes) throw Error("progress.pictures: path_base64 is not valid base64");
        path = *bytes;
      }
      p.pictures.push_back({path, u.at("description")});
    }
    if (!j.at("outline").is_null()) {
      Outline outline;
      outline.title = j["outline"].at("title");
      for (const json& s : j["outline"].at("sections"))
        outline.sections.push_back({s.at("heading"), s.at("key_points"), s.at("budget")});
      p.outline = std::move(outline);
    }
    p.slots_filled = j.at("slots_filled").get<int>();
    p.writer = j.at("conversations").at("writer");
    p.selector = j["conversations"].value("selector", json());
    p.warnings = j.at("warnings").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw Error(std::string("progress is malformed: ") + e.what());
  }
  if ((p.step == "write" || p.step == "illustrate" || p.step == "select") && !p.outline)
    throw Error("progress is malformed: step " + p.step + " without an outline");
  return p;
}

}  // namespace lingbi::compose

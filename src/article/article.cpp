#include "lingbi/article/article.h"

#include <fstream>
#include <sstream>

#include "lingbi/util/atomic_write.h"
#include "lingbi/util/error.h"
#include "lingbi/util/path_json.h"

namespace lingbi {

using nlohmann::json;

int Article::paragraph_count() const {
  int n = 0;
  for (const Section& s : sections) n += static_cast<int>(s.paragraphs.size());
  return n;
}

const std::string& Article::paragraph(int index) const {
  int i = index;
  if (i >= 0) {
    for (const Section& s : sections) {
      if (i < static_cast<int>(s.paragraphs.size())) return s.paragraphs[i];
      i -= static_cast<int>(s.paragraphs.size());
    }
  }
  throw Error("paragraph " + std::to_string(index) + " does not exist: the article has " +
              std::to_string(paragraph_count()) + " paragraphs (numbered from 0)");
}

namespace {

json optional_id(const std::optional<int64_t>& id) { return id ? json(*id) : json(nullptr); }

// Reads fields of one JSON object, naming the path of anything missing or mistyped.
class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) throw Error(where() + ": expected an object");
  }

  std::string where(const std::string& key = "") const {
    if (key.empty()) return path_.empty() ? "article" : path_;
    return path_.empty() ? key : path_ + "." + key;
  }
  const json* find(const std::string& key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  const json& need(const std::string& key) const {
    const json* v = find(key);
    if (!v) throw Error(where(key) + ": missing");
    return *v;
  }
  std::string str(const std::string& key, bool required = true) const {
    const json* v = required ? &need(key) : find(key);
    if (!v) return {};
    if (!v->is_string()) throw Error(where(key) + ": expected a string");
    return v->get<std::string>();
  }
  int64_t integer(const std::string& key) const {
    const json& v = need(key);
    if (!v.is_number_integer()) throw Error(where(key) + ": expected an integer");
    return v.get<int64_t>();
  }
  std::optional<int64_t> optional_integer(const std::string& key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) throw Error(where(key) + ": expected an integer or null");
    return v->get<int64_t>();
  }
  double number(const std::string& key) const {
    const json& v = need(key);
    if (!v.is_number()) throw Error(where(key) + ": expected a number");
    return v.get<double>();
  }
  // A file path: the exact bytes of key_base64 when present, else the string (lingbi/path_json.h).
  std::string path(const std::string& key) const {
    const std::string key_base64 = key + "_base64";
    const json* b = find(key_base64);
    if (!b) return str(key);
    if (!b->is_string()) throw Error(where(key_base64) + ": expected a string");
    auto bytes = decode_base64(b->get<std::string>());
    if (!bytes) throw Error(where(key_base64) + ": not valid base64 (RFC 4648, padded); fix or remove it to use " + key);
    return *bytes;
  }
  const json& array(const std::string& key, bool required = true) const {
    static const json empty = json::array();
    const json* v = required ? &need(key) : find(key);
    if (!v) return empty;
    if (!v->is_array()) throw Error(where(key) + ": expected an array");
    return *v;
  }

 private:
  const json& j_;
  std::string path_;
};

std::string item(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

}  // namespace

json article_to_json(const Article& a) {
  json sections = json::array();
  for (const Section& s : a.sections) sections.push_back({{"heading", s.heading}, {"paragraphs", s.paragraphs}});
  json slots = json::array();
  for (const Slot& s : a.slots) {
    json candidates = json::array();
    for (const Candidate& c : s.candidates) {
      json candidate = {{"image_id", optional_id(c.image_id)}, {"score", c.score}};
      put_path(candidate, "path", c.path);
      candidates.push_back(std::move(candidate));
    }
    json chosen = nullptr;
    if (s.chosen) {
      chosen = {{"image_id", optional_id(s.chosen->image_id)}, {"reason", s.chosen->reason}};
      put_path(chosen, "path", s.chosen->path);
    }
    json slot = {{"after_paragraph", s.after_paragraph},
                 {"caption", s.caption},
                 {"query", s.query},
                 {"tone", s.tone},
                 {"why", s.why},
                 {"candidates", candidates},
                 {"chosen", chosen}};
    if (!s.selector.empty()) slot["selector"] = s.selector;
    if (!s.query_lang.empty()) slot["query_lang"] = s.query_lang;
    slots.push_back(std::move(slot));
  }
  json out = {{"title", a.title},
          {"lang", a.lang},
          {"instruction", a.instruction},
          {"sections", sections},
          {"slots", slots},
          {"models", a.models},
          {"seed", optional_id(a.seed)},
          {"tokens",
           {{"prompt_evaluated", a.tokens.prompt_evaluated},
            {"prompt_reused", a.tokens.prompt_reused},
            {"generated", a.tokens.generated}}},
          {"timings", a.timings}};
  if (!a.edits.empty()) {
    json edits = json::array();
    for (const Edit& e : a.edits)
      edits.push_back({{"op", e.op}, {"target", e.target}, {"detail", e.detail}, {"previous", e.previous}, {"at", e.at}});
    out["edits"] = edits;
  }
  if (!a.progress.is_null()) out["progress"] = a.progress;
  return out;
}

Article article_from_json(const json& j) {
  Reader r(j, "");
  Article a;
  a.title = r.str("title");
  a.lang = r.str("lang");
  if (a.lang != "en" && a.lang != "zh") throw Error("lang: expected \"en\" or \"zh\", got \"" + a.lang + "\"");
  a.instruction = r.str("instruction", false);
  const json& sections = r.array("sections");
  for (size_t i = 0; i < sections.size(); ++i) {
    Reader s(sections[i], item("sections", i));
    Section section;
    section.heading = s.str("heading", false);
    const json& paragraphs = s.array("paragraphs");
    for (size_t k = 0; k < paragraphs.size(); ++k) {
      if (!paragraphs[k].is_string()) throw Error(item(s.where("paragraphs"), k) + ": expected a string");
      section.paragraphs.push_back(paragraphs[k].get<std::string>());
    }
    a.sections.push_back(std::move(section));
  }
  const int paragraphs = a.paragraph_count();
  const json& slots = r.array("slots", false);
  for (size_t i = 0; i < slots.size(); ++i) {
    Reader s(slots[i], item("slots", i));
    Slot slot;
    int64_t after = s.integer("after_paragraph");
    if (after < 0 || after >= paragraphs)
      throw Error(s.where("after_paragraph") + ": " + std::to_string(after) + " is not a paragraph (the article has " +
                  std::to_string(paragraphs) + ", numbered from 0)");
    slot.after_paragraph = static_cast<int>(after);
    slot.caption = s.str("caption", false);
    slot.query = s.str("query", false);
    slot.query_lang = s.str("query_lang", false);
    slot.tone = s.str("tone", false);
    slot.why = s.str("why", false);
    const json& candidates = s.array("candidates", false);
    for (size_t k = 0; k < candidates.size(); ++k) {
      Reader c(candidates[k], item(s.where("candidates"), k));
      slot.candidates.push_back({c.optional_integer("image_id"), c.path("path"), c.number("score")});
    }
    if (const json* chosen = s.find("chosen")) {
      Reader c(*chosen, s.where("chosen"));
      slot.chosen = Choice{c.optional_integer("image_id"), c.path("path"), c.str("reason", false)};
    }
    slot.selector = s.str("selector", false);
    a.slots.push_back(std::move(slot));
  }
  if (const json* models = r.find("models")) a.models = *models;
  a.seed = r.optional_integer("seed");
  if (const json* tokens = r.find("tokens")) {
    Reader t(*tokens, "tokens");
    a.tokens = {t.integer("prompt_evaluated"), t.integer("prompt_reused"), t.integer("generated")};
  }
  if (const json* timings = r.find("timings")) a.timings = *timings;
  const json& edits = r.array("edits", false);
  for (size_t i = 0; i < edits.size(); ++i) {
    Reader e(edits[i], item("edits", i));
    Edit edit{e.str("op"), static_cast<int>(e.integer("target")), e.str("detail", false), nullptr, e.str("at", false)};
    if (const json* previous = e.find("previous")) edit.previous = *previous;
    a.edits.push_back(std::move(edit));
  }
  if (const json* progress = r.find("progress")) {
    if (!progress->is_object()) throw Error("progress: expected an object");
    a.progress = *progress;
  }
  return a;
}

Article load_article(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read article " + path.string() + ": no such file or not readable");
  std::stringstream buf;
  buf << in.rdbuf();
  json j = json::parse(buf.str(), nullptr, false);
  if (j.is_discarded()) throw Error("article " + path.string() + " is not valid JSON");
  try {
    return article_from_json(j);
  } catch (const Error& e) {
    throw Error("article " + path.string() + " is malformed: " + e.what());
  }
}

void save_article(const Article& article, const std::filesystem::path& path) {
  // Text from a model may hold stray bytes; they are saved as U+FFFD rather than lost with the file.
  write_file_atomically(path, article_to_json(article).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace lingbi

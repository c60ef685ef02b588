// Running a job with the server's models: a compose (or the resume of an interrupted one) turns
// its checkpoints into events and keeps the partial article in the store; an edit applies one of
// the editor's operations to the current revision and commits the result.
#include <algorithm>
#include <set>

#include "api.h"
#include "lingbi/compose/editor.h"

namespace lingbi::server {

using nlohmann::json;

namespace {

// Events from successive checkpoints of one compose: what each added since the one before.
class CheckpointEvents {
 public:
  CheckpointEvents(Job& job, const UploadStore& uploads) : job_(job), uploads_(uploads) {}

  void update(const Article& a) {
    if (!planned_ && a.progress.is_object() && a.progress["outline"].is_object()) {
      planned_ = true;
      json headings = json::array();
      for (const json& s : a.progress["outline"]["sections"]) headings.push_back(s.value("heading", ""));
      job_.emit("plan", {{"title", a.progress["outline"].value("title", "")}, {"sections", headings}});
    }
    for (size_t i = sections_; i < a.sections.size(); ++i)
      job_.emit("section.done",
                {{"index", i}, {"heading", a.sections[i].heading}, {"paragraphs", a.sections[i].paragraphs}});
    sections_ = std::max(sections_, a.sections.size());
    for (size_t i = 0; i < a.slots.size(); ++i) {
      const Slot& s = a.slots[i];
      if (i >= slots_planned_) {
        job_.emit("slot.planned", {{"index", i},
                                   {"after_paragraph", s.after_paragraph},
                                   {"caption", s.caption},
                                   {"query", s.query},
                                   {"tone", s.tone}});
        slots_planned_ = i + 1;
      }
      if (s.chosen && !chosen_.count(i)) {
        chosen_.insert(i);
        json candidates = json::array();
        for (const Candidate& cand : s.candidates)
          candidates.push_back({{"image_id", cand.image_id ? json(*cand.image_id) : json()},
                                {"url", picture_url(cand.image_id, cand.path, uploads_)},
                                {"score", cand.score}});
        job_.emit("slot.candidates", {{"index", i}, {"candidates", candidates}});
        job_.emit("slot.chosen", {{"index", i},
                                  {"image_id", s.chosen->image_id ? json(*s.chosen->image_id) : json()},
                                  {"url", picture_url(s.chosen->image_id, s.chosen->path, uploads_)},
                                  {"reason", s.chosen->reason},
                                  {"selector", s.selector}});
      }
    }
  }

 private:
  Job& job_;
  const UploadStore& uploads_;
  bool planned_ = false;
  size_t sections_ = 0, slots_planned_ = 0;
  std::set<size_t> chosen_;
};

void run_compose(Job& job, Context& c) {
  const json& r = job.request;
  std::string id;
  std::optional<Article> partial;
  ComposeOptions o;
  if (job.type == "resume") {
    id = r.at("article").get<std::string>();
    partial = c.store.partial(id);
    if (!partial) throw Error("article " + id + " has no interrupted compose to resume");
  } else {
    o.instruction = r.at("instruction").get<std::string>();
    o.words = r.value("words", 0);
    o.images = r.contains("images") && r["images"].is_number_integer() ? r["images"].get<int>() : -1;
    o.lang = r.value("lang", "auto");
    o.candidates = r.value("candidates", 4);
    o.select_context = r.value("select_context", "passage");
    if (r.contains("seed")) o.seed = r["seed"].get<uint32_t>();
    o.user_images = upload_paths(r, c);
    id = c.store.create();
  }
  job.set_progress({{"article", id}});
  CheckpointEvents events(job, c.uploads);
  o.cancel = &job.cancel;
  o.on_text = [&job](std::string_view piece) { job.emit("section.delta", {{"text", std::string(piece)}}); };
  o.on_progress = [&job](const std::string& line) { job.set_progress({{"step", line}}); };
  o.on_checkpoint = [&](const Article& a) {
    c.store.save_partial(id, a);
    events.update(a);
  };
  const ComposeResult result = partial ? resume_compose(*partial, o, c.models) : compose_article(o, c.models);
  events.update(result.article);
  const int revision = c.store.commit(id, result.article, 0, job.type);
  c.store.drop_partial(id);
  job.set_result({{"article", id}, {"revision", revision}, {"warnings", result.warnings}});
}

SlotSearch slot_search(const json& r) {
  SlotSearch s;
  s.caption = r.value("caption", "");
  s.query = r.value("query", "");
  s.tone = r.value("tone", "");
  s.candidates = r.value("candidates", 0);
  s.select_context = r.value("select_context", "passage");
  return s;
}

void run_edit(Job& job, Context& c) {
  const json& r = job.request;
  const std::string id = r.at("article").get<std::string>();
  const std::string op = r.at("op").get<std::string>();
  auto [article, revision] = c.store.current(id);
  if (revision != r.at("base_revision").get<int>()) throw Conflict(revision);
  EditModels m{c.models.writer, c.models.selector, c.models.embedder, c.models.gallery};
  EditReport report;
  if (op == "rewrite") {
    RewriteOptions o;
    o.paragraph = r.value("paragraph", 0);
    o.how = r.value("how", "");
    o.on_text = [&job](std::string_view piece) { job.emit("section.delta", {{"text", std::string(piece)}}); };
    report = rewrite_paragraph(article, o, m);
  } else if (op == "insert-paragraph") {
    InsertOptions o;
    o.before = r.contains("before");
    o.paragraph = r.value(o.before ? "before" : "after", 0);
    o.instruction = r.value("instruction", "");
    o.text = r.value("text", "");
    o.length = r.value("length", 0);
    o.on_text = [&job](std::string_view piece) { job.emit("section.delta", {{"text", std::string(piece)}}); };
    report = insert_paragraph(article, o, m);
  } else if (op == "delete-paragraph") {
    report = delete_paragraph(article, r.value("paragraph", 0));
  } else if (op == "research") {
    report = research_slot(article, r.value("slot", 0), slot_search(r), m);
  } else if (op == "swap") {
    report = swap_candidate(article, r.value("slot", 0), r.value("letter", ""));
  } else if (op == "add-slot") {
    report = add_slot(article, r.value("after", 0), slot_search(r), m);
  } else if (op == "remove-slot") {
    report = remove_slot(article, r.value("slot", 0));
  } else {
    throw Error("unknown edit op " + op);
  }
  const int committed = c.store.commit(id, article, revision, "edit " + op);
  job.emit("edit.applied",
           {{"op", op}, {"article", id}, {"revision", committed}, {"warnings", report.warnings}});
  job.set_result({{"article", id}, {"revision", committed}, {"warnings", report.warnings}});
}

}  // namespace

void run_job(Job& job, Context& c) {
  if (job.type == "edit")
    run_edit(job, c);
  else
    run_compose(job, c);
}

}  // namespace lingbi::server

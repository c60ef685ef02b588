// `lingbi edit article.json rewrite|insert-paragraph|delete-paragraph|research|swap|add-slot|remove-slot ...`: edits a saved article
// in place (written back atomically), keeping the provenance of every picture.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "gallery_flags.h"
#include "lingbi/compose/editor.h"
#include "lingbi/gallery/gallery.h"
#include "lingbi/gallery/gallery_embedder.h"
#include "lingbi/util/error.h"
#include "model_flags.h"

namespace lingbi::cli {

namespace {

struct EditArgs {
  std::string article;
  GalleryFlags gallery;
  bool quiet = false;
  int64_t seed = -1;
  ModelFlags writer;
  ModelFlags selector;
  int paragraph = -1;  // rewrite and delete-paragraph --paragraph, add-slot --after
  int before = -1, after = -1;  // insert-paragraph
  std::string instruction;      // insert-paragraph
  std::string text;             // insert-paragraph, taken as it is
  int length = 0;               // insert-paragraph
  int slot = -1;
  std::string how;
  std::string letter;
  SlotSearch search;
};

// The models and gallery an edit was given; each is loaded only when the edit uses it.
struct Loaded {
  OpenedGallery gallery;
  std::unique_ptr<ChatModel> writer;
  std::unique_ptr<ChatModel> selector;
  EditModels models;
};

void load_gallery(EditArgs& a, Loaded& l) {
  l.gallery = open_gallery(a.gallery, a.writer.local.threads);
  l.models.gallery = l.gallery.gallery.get();
  l.models.embedder = l.gallery.embedder.get();
}

void load_models(EditArgs& a, Loaded& l, bool selector) {
  if (a.writer.given()) {
    l.writer = make_model(a.writer, "writer");
    l.models.writer = l.writer.get();
  }
  if (!selector) return;
  l.selector = make_selector(a.selector, a.writer);
  if (l.selector) {
    l.models.selector = l.selector.get();
  } else if (a.writer.given() && a.writer.sees_images()) {
    l.models.selector = l.writer.get();  // one vision-language model writes and selects
  }
}

void run_edit(EditArgs& a, const std::string& op) {
  // The article and the indexes into it are checked before any model loads: a bad path, file or
  // index fails fast and touches nothing.
  const Article article = load_article(a.article);
  if (op == "insert-paragraph") {
    if ((a.before < 0) == (a.after < 0)) throw Error("insert-paragraph needs one of --before N or --after N");
    a.paragraph = a.before >= 0 ? a.before : a.after;
  }
  if (op == "rewrite" || op == "add-slot" || op == "insert-paragraph" || op == "delete-paragraph")
    article.paragraph(a.paragraph);
  if (op == "research" || op == "swap" || op == "remove-slot") check_slot_index(article, a.slot);
  if (a.seed >= 0) a.search.seed = static_cast<uint32_t>(a.seed);
  Loaded l;
  std::function<EditReport(Article&)> edit;
  std::string done;
  std::string rewritten;  // the new paragraph as saved
  if (op == "rewrite") {
    if (!a.writer.given()) throw Error("rewrite needs a writer model: give -m WRITER.gguf or --endpoint URL");
    load_models(a, l, false);
    RewriteOptions o;
    o.paragraph = a.paragraph;
    o.how = a.how;
    o.seed = a.search.seed;
    edit = [&l, &rewritten, o](Article& article) {
      EditReport report = rewrite_paragraph(article, o, l.models);
      rewritten = article.paragraph(o.paragraph);
      return report;
    };
    done = "rewrote paragraph " + std::to_string(a.paragraph);
  } else if (op == "insert-paragraph") {
    if (a.instruction.empty() == a.text.empty())
      throw Error("insert-paragraph needs --instruction (written by the writer model) or --text (taken as it is)");
    if (!a.instruction.empty() && !a.writer.given())
      throw Error("insert-paragraph needs a writer model: give -m WRITER.gguf or --endpoint URL");
    if (!a.instruction.empty()) load_models(a, l, false);
    InsertOptions o;
    o.paragraph = a.paragraph;
    o.before = a.before >= 0;
    o.instruction = a.instruction;
    o.text = a.text;
    o.length = a.length;
    o.seed = a.search.seed;
    edit = [&l, &rewritten, o](Article& article) {
      EditReport report = insert_paragraph(article, o, l.models);
      rewritten = article.paragraph(o.paragraph + (o.before ? 0 : 1));
      return report;
    };
    done = "inserted paragraph " + std::to_string(a.paragraph + (a.before >= 0 ? 0 : 1));
  } else if (op == "delete-paragraph") {
    edit = [&a](Article& article) { return delete_paragraph(article, a.paragraph); };
    done = "deleted paragraph " + std::to_string(a.paragraph);
  } else if (op == "research") {
    if (a.gallery.gallery.empty()) throw Error("research needs the gallery and its CLIP model: give --gallery G --clip C.gguf");
    load_gallery(a, l);
    load_models(a, l, true);
    edit = [&l, &a](Article& article) { return research_slot(article, a.slot, a.search, l.models); };
    done = "searched slot " + std::to_string(a.slot) + " again";
  } else if (op == "swap") {
    edit = [&a](Article& article) { return swap_candidate(article, a.slot, a.letter); };
    done = "slot " + std::to_string(a.slot) + " shows candidate " + a.letter;
  } else if (op == "add-slot") {
    load_gallery(a, l);
    load_models(a, l, l.models.gallery != nullptr);
    edit = [&l, &a](Article& article) { return add_slot(article, a.paragraph, a.search, l.models); };
    done = "added a slot after paragraph " + std::to_string(a.paragraph);
  } else {
    edit = [&a](Article& article) { return remove_slot(article, a.slot); };
    done = "removed slot " + std::to_string(a.slot);
  }
  EditReport report = edit_article_file(a.article, edit);
  // The paragraph as saved (joined into one and trimmed), not the model's raw output, is shown.
  if (!rewritten.empty() && !a.quiet) std::printf("%s\n", rewritten.c_str());
  for (const std::string& w : report.warnings) std::fprintf(stderr, "lingbi: warning: %s\n", w.c_str());
  std::fprintf(stderr, "%s: %s\n", a.article.c_str(), done.c_str());
}

CLI::App* add_op(CLI::App* cmd, const std::string& name, const std::string& help) {
  CLI::App* op = cmd->add_subcommand(name, help);
  op->fallthrough();  // the model and gallery flags of `edit` may come after the operation too
  return op;
}

void add_select_context(CLI::App* op, SlotSearch& search) {
  op->add_option("--select-context", search.select_context,
                 "What the selector reads: passage (the outline and the paragraphs around the slot) or article "
                 "(the whole article, read again for this edit)")
      ->check(CLI::IsMember({"passage", "article"}))->capture_default_str();
}

}  // namespace

void add_edit_command(CLI::App& app) {
  auto a = std::make_shared<EditArgs>();
  auto* cmd = app.add_subcommand("edit", "Edit a saved article (JSON) in place: rewrite, insert or delete a paragraph, change its pictures");
  cmd->add_option("article", a->article, "The article, as written by compose -o X.json")->required();
  add_gallery_flags(cmd, a->gallery, "Gallery folder (research; add-slot to find a picture)");
  a->writer.local.context = 16384;  // the whole article stays in context for a rewrite
  add_model_flags(cmd, a->writer);
  add_model_flags(cmd, a->selector, "vlm");
  cmd->add_option("--seed", a->seed, "Seed: the same edit of the same article gives the same result");
  cmd->add_flag("-q,--quiet", a->quiet, "rewrite, insert-paragraph: do not print the new paragraph");
  cmd->require_subcommand(1);

  auto* rewrite = add_op(cmd, "rewrite", "Rewrite one paragraph with the writer model (-m or --endpoint); it stays one paragraph");
  rewrite->add_option("--paragraph", a->paragraph, "Paragraph index over all sections, from 0")->required();
  rewrite->add_option("--how", a->how, "shorter, longer, or an instruction in words (default: improve the wording)");

  auto* insert = add_op(cmd, "insert-paragraph",
                        "Write a new paragraph before or after one, with the writer model (-m or --endpoint), or put "
                        "in one you give (--text); "
                        "pictures stay with their paragraphs");
  insert->add_option("--before", a->before, "Put it before this paragraph (index over all sections, from 0)");
  insert->add_option("--after", a->after, "Put it after this paragraph");
  auto* instruction =
      insert->add_option("--instruction", a->instruction, "What the new paragraph says: a one-line outline");
  insert->add_option("--text", a->text, "The new paragraph itself, taken as it is (no model needed)")
      ->excludes(instruction);
  insert->add_option("--length", a->length,
                     "Words (English) or characters (Chinese); default: the article's average paragraph")
      ->check(CLI::Range(1, 2000));

  auto* del = add_op(cmd, "delete-paragraph",
                     "Delete a paragraph (no model needed); its picture moves to the paragraph before it "
                     "when that one has none; the edit record keeps what was deleted");
  del->add_option("--paragraph", a->paragraph, "Paragraph index over all sections, from 0")->required();

  auto* research = add_op(cmd, "research",
                          "Give a slot a new caption and search the gallery again (needs --gallery and --clip; "
                          "a selector model (-m with --mmproj, or --vlm) picks, else the best score)");
  research->add_option("--slot", a->slot, "Slot index, from 0")->required();
  research->add_option("--caption", a->search.caption, "The new caption, in the article's language")->required();
  research->add_option("--query", a->search.query,
                       "English search query (default: written by -m/--endpoint, or the caption if it is English)");
  research->add_option("--tone", a->search.tone, "The tone the picture should carry (default: kept)");
  research->add_option("--candidates", a->search.candidates, "Candidates to retrieve (default: as many as before)")
      ->check(CLI::Range(1, 8));
  add_select_context(research, a->search);

  auto* swap = add_op(cmd, "swap", "Show another of a slot's candidates (no model needed)");
  swap->add_option("--slot", a->slot, "Slot index, from 0")->required();
  swap->add_option("--candidate", a->letter, "The candidate's letter: A, B, ...")->required();

  auto* add = add_op(cmd, "add-slot",
                     "Add a picture slot after a paragraph (at most one per paragraph); --caption is required "
                     "without a writer model; with --gallery and --clip its picture is found");
  add->add_option("--after", a->paragraph, "Paragraph index over all sections, from 0")->required();
  add->add_option("--caption", a->search.caption, "Caption, in the article's language (default: written by the model)");
  add->add_option("--query", a->search.query, "English search query (default: written by the model, or the caption)");
  add->add_option("--tone", a->search.tone, "The tone the picture should carry (default: by the model, or neutral)");
  add->add_option("--candidates", a->search.candidates, "Candidates to retrieve (default 4)")->check(CLI::Range(1, 8));
  add_select_context(add, a->search);

  auto* remove = add_op(cmd, "remove-slot", "Remove a slot (no model needed); the edit record keeps it");
  remove->add_option("--slot", a->slot, "Slot index, from 0")->required();

  for (CLI::App* op : {rewrite, insert, del, research, swap, add, remove}) {
    const std::string name = op->get_name();
    op->callback([a, name] { run_edit(*a, name); });
  }
}

}  // namespace lingbi::cli

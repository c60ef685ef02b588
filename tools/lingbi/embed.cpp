// `lingbi embed`: CLIP embeddings of images and texts as JSON, for scripts and for checking a model.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "lingbi/clip/clip.h"
#include "lingbi/util/path_json.h"

namespace lingbi::cli {

namespace {

struct EmbedArgs {
  std::string model;
  std::vector<std::string> images, texts;
  int threads = 0;
  int batch = 16;
  std::string device;
};

void run_embed(const EmbedArgs& a) {
  ClipOptions options;
  options.n_threads = a.threads;
  options.batch_size = a.batch;
  options.device = a.device;
  auto model = ClipModel::load(a.model, options);
  nlohmann::ordered_json out = {{"model", model->name()},
                                {"family", clip_family_name(model->family())},
                                {"dim", model->dim()},
                                {"items", nlohmann::ordered_json::array()}};
  if (!a.images.empty()) {
    std::vector<ClipImage> images;
    for (const auto& path : a.images) images.push_back(load_clip_image(path, model->preprocess()));
    const auto emb = model->embed_images(images);
    for (size_t i = 0; i < emb.size(); ++i) {
      nlohmann::ordered_json item = {{"kind", "image"}};
      put_path(item, "input", a.images[i]);  // plus input_base64 when the name is not UTF-8
      item["embedding"] = emb[i];
      out["items"].push_back(std::move(item));
    }
  }
  if (!a.texts.empty()) {
    const auto emb = model->embed_texts(a.texts);
    for (size_t i = 0; i < emb.size(); ++i)
      out["items"].push_back({{"kind", "text"}, {"input", valid_utf8(a.texts[i])}, {"embedding", emb[i]}});
  }
  std::printf("%s\n", out.dump().c_str());
}

}  // namespace

void add_embed_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("embed", "Print CLIP embeddings of images and texts as JSON "
                                          "{\"model\", \"dim\", \"items\": [{\"kind\", \"input\", \"embedding\"}]}, images first");
  static EmbedArgs args;
  cmd->add_option("--clip", args.model, "CLIP model (GGUF in clip.cpp's layout)")->required();
  cmd->add_option("--image", args.images, "image file to embed (repeatable)");
  cmd->add_option("--text", args.texts, "text to embed (repeatable)");
  cmd->add_option("-t,--threads", args.threads, "CPU threads (0: one per core)");
  cmd->add_option("-b,--batch-size", args.batch, "images or texts per graph evaluation")->check(CLI::PositiveNumber);
  cmd->add_option("--device", args.device, "ggml device name (see `lingbi system-info`); default CPU");
  cmd->callback([] { run_embed(args); });
}

}  // namespace lingbi::cli

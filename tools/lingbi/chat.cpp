// `lingbi chat`: image-text dialogue in the terminal with a local GGUF model or a remote server.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "lingbi/model/local_model.h"
#include "lingbi/model/remote_model.h"
#include "lingbi/util/error.h"
#include "model_flags.h"

namespace lingbi::cli {

namespace {

struct ChatOptions {
  ModelFlags model;
  std::vector<std::string> images;
  std::string question;
  std::string system;
  std::string json_schema_file;
  int max_tokens = 512;
  float temperature = 0.8f;
  int64_t seed = -1;
  bool stats = false;
};

std::atomic<bool> g_interrupted{false};

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read JSON schema file " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Streams one answer to stdout; returns it.
ChatResult answer(ChatModel& model, const std::vector<Message>& history, const ChatOptions& o,
                  const std::string& schema) {
  ChatRequest r;
  r.messages = history;
  r.sampling.max_tokens = o.max_tokens;
  r.sampling.temperature = o.temperature;
  if (o.seed >= 0) r.sampling.seed = static_cast<uint32_t>(o.seed);
  r.json_schema = schema;
  int pieces = 0;
  r.on_text = [&](std::string_view p) {
    std::fwrite(p.data(), 1, p.size(), stdout);
    std::fflush(stdout);
    ++pieces;
  };
  g_interrupted = false;
  r.cancel = &g_interrupted;
  ChatResult res = model.chat(r);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (o.stats) {
    std::fprintf(stderr,
                 "[%d prompt tokens (%d reused, %d evaluated), %d generated, finish: %s, streamed in %d "
                 "pieces, prompt %.0f ms, generation %.0f ms]\n",
                 res.tokens.prompt_total(), res.tokens.prompt_reused, res.tokens.prompt_evaluated,
                 res.tokens.generated, finish_reason_name(res.finish), pieces, res.prompt_ms,
                 res.generation_ms);
  }
  return res;
}

Message user_message(const std::string& text, std::vector<std::string>& images) {
  Message m{Role::user, {}};
  for (const auto& path : images) m.parts.push_back(ContentPart::of_image_file(path));
  images.clear();
  m.parts.push_back(ContentPart::of_text(text));
  return m;
}

void run_chat(ChatOptions& o) {
  if (o.seed >= 0) o.model.local.seed = static_cast<uint32_t>(o.seed);
  std::unique_ptr<ChatModel> model = make_model(o.model, "chat");
  const std::string schema = o.json_schema_file.empty() ? "" : read_text_file(o.json_schema_file);
  std::vector<Message> history;
  if (!o.system.empty()) history.push_back(Message::system(o.system));
  std::vector<std::string> images = o.images;

  if (!o.question.empty()) {
    history.push_back(user_message(o.question, images));
    answer(*model, history, o, schema);
    return;
  }
  // Interactive: Ctrl-C stops the answer being generated; /exit or end of input leaves.
  std::signal(SIGINT, [](int) { g_interrupted = true; });
  std::fprintf(stderr, "lingbi chat with %s. Commands: /image PATH, /reset, /exit\n",
               model->describe().c_str());
  std::string line;
  while (true) {
    std::fprintf(stderr, "> ");
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      history.clear();
      images.clear();
      if (!o.system.empty()) history.push_back(Message::system(o.system));
      std::fprintf(stderr, "(history cleared)\n");
      continue;
    }
    if (line.rfind("/image ", 0) == 0) {
      images.push_back(line.substr(7));
      std::fprintf(stderr, "(image %s attached to your next message)\n", images.back().c_str());
      continue;
    }
    if (line.empty()) continue;
    history.push_back(user_message(line, images));
    try {
      const ChatResult res = answer(*model, history, o, schema);
      history.push_back(Message::assistant(res.text));
    } catch (const Error& e) {
      history.pop_back();
      std::fprintf(stderr, "lingbi: error: %s\n", e.what());
    }
  }
}

}  // namespace

void add_chat_command(CLI::App& app) {
  auto o = std::make_shared<ChatOptions>();
  auto* cmd = app.add_subcommand(
      "chat",
      "Talk with a model: answer QUESTION (streamed to stdout) and exit, or without a question start an "
      "interactive session (/image PATH attaches an image, /reset clears the history, /exit leaves)");
  cmd->add_option("question", o->question, "The question; omit it for an interactive session");
  add_model_flags(cmd, o->model);
  cmd->add_option("--image", o->images, "Image file to show the model with the question (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("-n,--n-predict", o->max_tokens, "Generate at most N tokens")->capture_default_str();
  cmd->add_option("--temp", o->temperature, "Sampling temperature (0: greedy)")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed for sampling (-1: random)")->capture_default_str();
  cmd->add_option("--json-schema", o->json_schema_file, "File holding a JSON schema the answer must satisfy");
  cmd->add_option("--system", o->system, "System prompt");
  cmd->add_flag("--stats", o->stats,
                "Print token counts, finish reason and timings to stderr after each answer");
  cmd->add_flag("-v,--verbose", o->model.local.verbose, "Let llama.cpp log to stderr");
  cmd->callback([o] { run_chat(*o); });
}

}  // namespace lingbi::cli

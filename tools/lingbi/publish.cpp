// `lingbi publish wechat article.json --appid ID [--secret-env VAR] [--wechat-api URL]`: a draft in
// a WeChat official account; prints its media_id.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "commands.h"
#include "lingbi/article/article.h"
#include "lingbi/publish/wechat.h"
#include "lingbi/util/error.h"

namespace lingbi::cli {

namespace {

struct PublishArgs {
  std::string input;
  std::string secret_env = "WECHAT_APPSECRET";
  WechatOptions options;
};

// lingbi's cache folder, as scripts/setup and the model store choose it.
std::filesystem::path cache_dir() {
  if (const char* dir = std::getenv("LINGBI_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "lingbi";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "lingbi";
  return {};
}

void run_publish_wechat(PublishArgs args) {
  const char* secret = std::getenv(args.secret_env.c_str());
  if (!secret || !*secret)
    throw Error("the AppSecret is read from the environment variable " + args.secret_env +
                ", which is not set; export it (never pass it on the command line)");
  args.options.secret = secret;
  args.options.token_cache = cache_dir();
  const Article article = load_article(args.input);
  const std::string media_id = publish_wechat_draft(article, args.options, [](const std::string& step) {
    std::fprintf(stderr, "lingbi: %s\n", step.c_str());
  });
  std::printf("%s\n", media_id.c_str());
  std::fprintf(stderr, "the draft is in the official account's 草稿箱 (media_id above)\n");
}

}  // namespace

void add_publish_command(CLI::App& app) {
  auto* publish = app.add_subcommand("publish", "Publish a saved article to a platform");
  publish->require_subcommand(1);
  auto args = std::make_shared<PublishArgs>();
  auto* wechat = publish->add_subcommand(
      "wechat", "Create a draft in a WeChat official account through its API (docs/publish.md); prints its media_id");
  wechat->add_option("article", args->input, "The article, as written by compose -o X.json")
      ->required()->check(CLI::ExistingFile);
  wechat->add_option("--appid", args->options.appid, "The official account's AppID")->required();
  wechat->add_option("--secret-env", args->secret_env, "Environment variable holding the AppSecret")
      ->capture_default_str();
  wechat->add_option("--wechat-api", args->options.api_base, "Base URL of WeChat's API")->capture_default_str();
  wechat->add_option("--author", args->options.author, "Author shown on the article (at most 16 characters)");
  wechat->add_option("--digest", args->options.digest, "Summary shown in the feed (at most 128 characters)");
  wechat->add_option("--source-url", args->options.content_source_url, "Link behind 阅读原文");
  wechat->add_option("--cover", args->options.cover, "Cover picture (default: the article's first picture)")
      ->check(CLI::ExistingFile);
  wechat->callback([args] { run_publish_wechat(*args); });
}

}  // namespace lingbi::cli

// `lingbi serve` under readers: the same compose job run alone and with 32 clients reading beside
// it (articles, thumbnails, text search), side by side in one run. Reports the readers' latency
// (p50, p99, max, by kind) and the compose's wall time in both cases, so the slowdown is measured.
//
// It runs the real `lingbi serve` (build/bin/lingbi) over real HTTP. Models: $LINGBI_BENCH_MODEL
// and $LINGBI_BENCH_MMPROJ (default: the tiny random-weight models in the build tree), CLIP
// $LINGBI_BENCH_CLIP; server threads $LINGBI_BENCH_THREADS (default 1). The gallery is 200
// generated pictures (640x480) indexed once. Compose size: $LINGBI_BENCH_WORDS (600),
// $LINGBI_BENCH_IMAGES (3). Readers: $LINGBI_BENCH_READERS (32), each waiting
// $LINGBI_BENCH_THINK_MS (100) between requests, as a page does; $LINGBI_BENCH_ROUNDS (2) rounds
// of (alone, with readers), alternating so that drift hits both alike. $LINGBI_BENCH_READS (ats)
// says what each reader reads in turn: a for the article, t for a thumbnail, s for a search (h
// for /health, which costs the server next to nothing: the floor of what readers cost).
#include <cpp-httplib/httplib.h>

#include <vips/vips8>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/util/vips_init.h"
#include "support/process.h"
#include "bench_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

using lingbi::bench::env;
using lingbi::bench::env_int;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Runs one compose job and returns its wall time from POST to job.completed, in seconds.
double compose_once(int port, int words, int images, int seed, std::string* article) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(3600, 0);
  const auto start = Clock::now();
  auto posted = c.Post("/v1/jobs",
                       json{{"type", "compose"},
                            {"instruction", "Mornings in a quiet harbour town"},
                            {"words", words},
                            {"images", images},
                            {"seed", seed}}
                           .dump(),
                       "application/json");
  if (!posted || posted->status != 202) {
    std::fprintf(stderr, "bench_serve: the compose job was refused: %s\n", posted ? posted->body.c_str() : "no answer");
    std::exit(1);
  }
  const std::string job = json::parse(posted->body)["id"];
  std::string text;
  c.Get("/v1/jobs/" + job + "/events", [&](const char* data, size_t n) {
    text.append(data, n);
    return true;
  });
  const double seconds = ms_since(start) / 1000;
  if (text.find("event: job.completed") == std::string::npos) {
    std::fprintf(stderr, "bench_serve: the compose did not complete:\n%s\n", text.substr(text.size() > 2000 ? text.size() - 2000 : 0).c_str());
    std::exit(1);
  }
  if (article) *article = json::parse(c.Get("/v1/jobs/" + job)->body)["result"]["article"];
  return seconds;
}

struct Reads {
  std::map<std::string, std::vector<double>> ms;  // by kind
  int failed = 0;
};

// `readers` clients, each reading in a loop until `stop`: an article, a thumbnail, a text search.
Reads read_while(int port, int readers, int think_ms, const std::string& article, int images,
                 const std::string& kinds, const std::atomic<bool>& stop) {
  Reads all;
  std::mutex mutex;
  std::vector<std::thread> threads;
  const std::vector<std::string> queries = {"harbour", "boats at dawn", "a quiet street", "fish market", "lighthouse"};
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_read_timeout(60, 0);
      std::mt19937 random(static_cast<unsigned>(r));
      Reads mine;
      for (int i = 0; !stop.load(); ++i) {
        std::string kind, path;
        switch (kinds[i % kinds.size()]) {
          case 'a':
            kind = "article";
            path = "/v1/articles/" + article;
            break;
          case 't':
            kind = "thumbnail";
            path = "/v1/images/" + std::to_string(1 + random() % images) + "?w=256";
            break;
          case 'h':
            kind = "health";
            path = "/health";
            break;
          default:
            kind = "search";
            path = "/v1/search?k=8&q=" + httplib::encode_uri_component(queries[random() % queries.size()]);
        }
        const auto start = Clock::now();
        auto res = c.Get(path);
        const double took = ms_since(start);
        if (!res || res->status != 200) {
          ++mine.failed;
        } else {
          mine.ms[kind].push_back(took);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(think_ms));
      }
      std::lock_guard lock(mutex);
      all.failed += mine.failed;
      for (auto& [kind, v] : mine.ms) all.ms[kind].insert(all.ms[kind].end(), v.begin(), v.end());
    });
  }
  for (std::thread& t : threads) t.join();
  return all;
}

}  // namespace

int main() {
  lingbi::ensure_vips();
  const fs::path tiny = LINGBI_BENCH_TINY_DIR;
  const std::string bin = LINGBI_BENCH_BIN_DIR;
  const std::string model = env("LINGBI_BENCH_MODEL", (tiny / "llm.gguf").string());
  const std::string mmproj = env("LINGBI_BENCH_MMPROJ", (tiny / "mmproj.gguf").string());
  const std::string clip = env("LINGBI_BENCH_CLIP", (tiny / "clip.gguf").string());
  const int threads = env_int("LINGBI_BENCH_THREADS", 1);
  const int words = env_int("LINGBI_BENCH_WORDS", 600);
  const int images = env_int("LINGBI_BENCH_IMAGES", 3);
  const int readers = env_int("LINGBI_BENCH_READERS", 32);
  const int think_ms = env_int("LINGBI_BENCH_THINK_MS", 100);
  const int rounds = env_int("LINGBI_BENCH_ROUNDS", 2);
  const std::string kinds = env("LINGBI_BENCH_READS", "ats");
  constexpr int kPictures = 200;

  char pattern[] = "/tmp/lingbi-bench-serve-XXXXXX";
  const fs::path dir = mkdtemp(pattern);
  fs::create_directories(dir / "pictures");
  for (int i = 0; i < kPictures; ++i) {
    vips::VImage noise = vips::VImage::gaussnoise(640, 480, vips::VImage::option()->set("mean", 40.0 + i % 170));
    noise.bandjoin({noise * 0.5, noise * 0.8})
        .cast(VIPS_FORMAT_UCHAR)
        .write_to_file((dir / "pictures" / ("p" + std::to_string(i) + ".jpg")).c_str());
  }
  int status = 0;
  const std::string indexed = lingbi::test::run_capture(bin + "/lingbi index " + (dir / "pictures").string() +
                                                            " --gallery " + (dir / "gallery").string() + " --clip " +
                                                            clip + " -q 2>&1",
                                                        status);
  if (status != 0) {
    std::fprintf(stderr, "bench_serve: indexing failed:\n%s\n", indexed.c_str());
    return 1;
  }

  const fs::path out = dir / "serve.out";
  lingbi::test::Child server(bin + "/lingbi serve -m " + model + " --mmproj " + mmproj + " --gallery " +
                                 (dir / "gallery").string() + " --clip " + clip + " -t " + std::to_string(threads) +
                                 " --port 0 --articles " + (dir / "articles").string(),
                             out.string(), (dir / "serve.err").string());
  int port = 0;
  const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 1200 && port == 0 && server.running(); ++i) {
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (port == 0) {
    std::fprintf(stderr, "bench_serve: lingbi serve did not start (see %s)\n", (dir / "serve.err").c_str());
    return 1;
  }

  // One article for the readers to read, composed before anything is measured.
  std::string article;
  compose_once(port, 120, 1, 1, &article);

  std::vector<double> alone, beside;
  Reads reads;
  for (int round = 0; round < rounds; ++round) {
    alone.push_back(compose_once(port, words, images, 100 + round, nullptr));
    std::atomic<bool> stop{false};
    Reads got;
    std::thread reading([&] { got = read_while(port, readers, think_ms, article, kPictures, kinds, stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // every reader connected
    beside.push_back(compose_once(port, words, images, 100 + round, nullptr));
    stop = true;
    reading.join();
    reads.failed += got.failed;
    for (auto& [kind, v] : got.ms) reads.ms[kind].insert(reads.ms[kind].end(), v.begin(), v.end());
  }

  std::printf("lingbi serve with %d readers (each waits %d ms between reads) beside a compose of %d words and %d pictures\n",
              readers, think_ms, words, images);
  std::printf("model %s, %d thread(s); gallery of %d pictures 640x480; %d rounds\n\n", fs::path(model).filename().c_str(),
              threads, kPictures, rounds);
  std::printf("%-10s %8s %9s %9s %9s\n", "reads", "count", "p50 ms", "p99 ms", "max ms");
  std::vector<double> every;
  for (const auto& [kind, v] : reads.ms) {
    std::printf("%-10s %8zu %9.2f %9.2f %9.2f\n", kind.c_str(), v.size(), percentile(v, 0.5), percentile(v, 0.99),
                percentile(v, 1.0));
    every.insert(every.end(), v.begin(), v.end());
  }
  std::printf("%-10s %8zu %9.2f %9.2f %9.2f   (failed: %d)\n\n", "all", every.size(), percentile(every, 0.5),
              percentile(every, 0.99), percentile(every, 1.0), reads.failed);
  double sum_alone = 0, sum_beside = 0;
  for (int r = 0; r < rounds; ++r) {
    std::printf("round %d: compose alone %.2f s, with readers %.2f s\n", r + 1, alone[r], beside[r]);
    sum_alone += alone[r];
    sum_beside += beside[r];
  }
  std::printf("compose slowdown with readers: %.3f x (goal <= 1.05); read p99 %.2f ms (goal <= 50)\n",
              sum_beside / sum_alone, percentile(every, 0.99));
  server.signal(SIGTERM);
  server.wait();
  fs::remove_all(dir);
  return 0;
}

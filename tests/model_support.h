// Shared fixtures of the model tests: the tiny models, a real llama-server on a free loopback port,
// and small images.
#pragma once

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <vips/vips8>

namespace lingbi::test {

inline std::filesystem::path env_path(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == 0)
    throw std::runtime_error(std::string("environment variable ") + name + " is not set (run through ctest)");
  return v;
}

inline std::filesystem::path tiny_models() { return env_path("LINGBI_TINY_MODELS"); }
inline std::filesystem::path bin_dir() { return env_path("LINGBI_BIN_DIR"); }

// A loopback port nobody listens on right now (bind port 0, read it back, close).
inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// HTTP status of GET url, 0 when nothing answers.
inline long http_get_status(const std::string& url) {
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
  curl_easy_setopt(
      c, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  return status;
}

// build/bin/llama-server with the tiny model on a free loopback port; stopped on destruction.
class LlamaServer {
 public:
  explicit LlamaServer(std::vector<std::string> extra = {}) : port_(free_port()) {
    const auto models = tiny_models();
    std::vector<std::string> args = {(bin_dir() / "llama-server").string(),
                                     "-m",
                                     (models / "llm.gguf").string(),
                                     "--mmproj",
                                     (models / "mmproj.gguf").string(),
                                     "--host",
                                     "127.0.0.1",
                                     "--port",
                                     std::to_string(port_),
                                     "-c",
                                     "4096",
                                     "-np",
                                     "1",
                                     "-t",
                                     "1",
                                     "--no-warmup"};
    args.insert(args.end(), extra.begin(), extra.end());
    log_ = std::filesystem::temp_directory_path() / ("lingbi-llama-server-" + std::to_string(port_) + ".log");
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_.c_str(), "w");
      if (f) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (http_get_status(url() + "/health") == 200) return;
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("llama-server exited at start; log: " + log_.string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("llama-server did not become healthy within 60 s; log: " + log_.string());
  }
  ~LlamaServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      for (int i = 0; i < 50 && waitpid(pid_, &st, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (waitpid(pid_, &st, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
      }
    }
    std::error_code ec;
    std::filesystem::remove(log_, ec);
  }
  LlamaServer(const LlamaServer&) = delete;
  LlamaServer& operator=(const LlamaServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  int port_;
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

// A real PNG of w x h pixels with a colour gradient (varies with `tint`), written with libvips.
inline std::string png_bytes(int w, int h, int tint) {
  static const bool once = [] { return VIPS_INIT("lingbi-test") == 0; }();
  (void)once;
  vips::VImage x = vips::VImage::xyz(w, h);
  vips::VImage r = x.extract_band(0) * (255.0 / w);
  vips::VImage g = x.extract_band(1) * (255.0 / h);
  vips::VImage b = vips::VImage::black(w, h) + tint;
  vips::VImage rgb = r.bandjoin(g).bandjoin(b).cast(VIPS_FORMAT_UCHAR);
  void* buf = nullptr;
  size_t len = 0;
  rgb.write_to_buffer(".png", &buf, &len);
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

}  // namespace lingbi::test

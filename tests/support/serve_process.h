// A running `lingbi serve` with the tiny models on a free port, and clients for it: shared by the
// tests that talk to the real server over HTTP.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cpp-httplib/httplib.h>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "lingbi/util/unique_fd.h"
#include "model_support.h"
#include "support/process.h"

namespace lingbi::test {

class Server {
 public:
  // The tiny writer with its mmproj, `extra` flags after them; its articles in `articles`, its
  // output beside that folder (serve.out, serve.err).
  explicit Server(const std::filesystem::path& articles, const std::string& extra = "")
      : out_(articles.parent_path() / "serve.out") {
    const std::filesystem::path models = tiny_models();
    const std::string command = lingbi_program() + " serve -m " + (models / "llm.gguf").string() +
                                " --mmproj " + (models / "mmproj.gguf").string() +
                                " -t 1 --port 0 --articles " + articles.string() + " " + extra;
    std::filesystem::remove(out_);  // a restart must not read the port of the server before it
    child_ = std::make_unique<Child>(command, out_.string(), (articles.parent_path() / "serve.err").string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    while (std::chrono::steady_clock::now() < deadline && child_->running()) {
      std::ifstream in(out_);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::smatch m;
      if (std::regex_search(text, m, listening)) {
        port_ = std::stoi(m[1]);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~Server() {
    if (child_->running()) {
      child_->signal(SIGTERM);
      child_->wait();
    }
  }

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Child& child() { return *child_; }
  std::unique_ptr<httplib::Client> client(const httplib::Headers& headers = {}) const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(300, 0);
    c->set_default_headers(headers);
    return c;
  }

 private:
  std::filesystem::path out_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

// The JSON body of an answer (null when there was none).
inline nlohmann::json body_of(const httplib::Result& r) {
  EXPECT_TRUE(r) << "no answer";
  return r ? nlohmann::json::parse(r->body) : nlohmann::json();
}

// Sends raw bytes to the server on `port` and returns the status line's code (-1 when none came):
// for requests an HTTP client would not send, or whose body must not be sent.
inline int raw_status(int port, const std::string& request) {
  const UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  timeval wait{10, 0};  // a server that waits for the rest of a body answers nothing: -1, not a hang
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
  char buf[256] = {};
  const ssize_t n = ::recv(fd.get(), buf, sizeof buf - 1, 0);
  if (n < 12) return -1;
  return std::atoi(buf + 9);  // "HTTP/1.1 413 ..."
}

}  // namespace lingbi::test

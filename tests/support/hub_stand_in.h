// A stand-in for a Hugging Face-compatible model hub, started by a test on a free loopback port.
// It follows the hub's documented behaviour (huggingface_hub's file_download.py and the hub's
// download docs): GET or HEAD {endpoint}/{owner}/{name}/resolve/{revision}/{file} answers a large
// (LFS) file with a 302 to another path (the CDN) carrying X-Repo-Commit, X-Linked-Etag (the
// sha256, quoted) and X-Linked-Size; a small file answers 200 with its bytes and a git ETag; an
// unknown repository 401 with X-Error-Code: RepoNotFound, an unknown file 404 with
// X-Error-Code: EntryNotFound; GET /api/models/{repo}/revision/{revision} lists the files as siblings. The CDN path serves Range requests (206). It counts the bytes it
// serves, and can cut the next transfer at a byte offset, serve wrong bytes, or claim a size.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cpp-httplib/httplib.h"
#include "lingbi/util/sha256.h"
#include "model_support.h"

namespace lingbi::test {

class HubStandIn {
 public:
  HubStandIn() : port_(free_port()) {
    server_.Get(R"(/([^/]+/[^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      resolve_requests_.push_back(req.method + " " + req.path);
      authorizations_.push_back(req.get_header_value("Authorization"));
      const std::string repo = req.matches[1], file = req.matches[3];
      if (!repos_.count(repo)) {
        res.status = 401;
        res.set_header("X-Error-Code", "RepoNotFound");
        return;
      }
      auto it = files_.find(repo + "/" + file);
      if (it == files_.end()) {
        res.status = 404;
        res.set_header("X-Error-Code", "EntryNotFound");
        return;
      }
      const Stored& f = it->second;
      res.set_header("X-Repo-Commit", kCommit);
      if (!f.lfs) {
        res.set_header("ETag", "\"" + f.sha256.substr(0, 40) + "\"");
        res.set_content(f.bytes, "application/octet-stream");
        return;
      }
      const int64_t claimed = claimed_size_.load();
      const int64_t size = claimed >= 0 ? claimed : static_cast<int64_t>(f.bytes.size());
      res.status = 302;
      // Another host name for the same server, as the real CDN is another host: a token must not follow.
      res.set_header("Location", "http://localhost:" + std::to_string(port_) + "/cdn/" + f.sha256);
      res.set_header("ETag", "\"" + f.sha256 + "\"");
      res.set_header("X-Linked-Etag", "\"" + f.sha256 + "\"");
      res.set_header("X-Linked-Size", std::to_string(size));
    });
    // The model API (huggingface_hub's model_info): the repository's files as `siblings`.
    server_.Get(R"(/api/models/([^/]+/[^/]+)/revision/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      const std::string repo = req.matches[1];
      if (!repos_.count(repo)) {
        res.status = 401;
        res.set_header("X-Error-Code", "RepoNotFound");
        return;
      }
      nlohmann::json siblings = nlohmann::json::array();
      for (const auto& [key, f] : files_)
        if (key.rfind(repo + "/", 0) == 0) siblings.push_back({{"rfilename", key.substr(repo.size() + 1)}});
      res.set_content(nlohmann::json{{"id", repo}, {"sha", kCommit}, {"siblings", siblings}}.dump(), "application/json");
    });
    server_.Get(R"(/cdn/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      cdn_requests_.push_back(req.get_header_value("Range"));
      cdn_authorizations_.push_back(req.get_header_value("Authorization"));
      const Stored* found = nullptr;
      for (const auto& [key, f] : files_)
        if (f.sha256 == req.matches[1]) found = &f;
      if (!found) {
        res.status = 404;
        return;
      }
      std::string bytes = found->bytes;
      if (wrong_bytes_)
        for (size_t i = 0; i < bytes.size(); i += 4096) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
      const int64_t cut = cut_at_;
      cut_at_ = -1;  // one transfer only
      auto data = std::make_shared<std::string>(std::move(bytes));
      res.set_header("ETag", "\"" + found->sha256 + "\"");
      res.set_content_provider(data->size(), "application/octet-stream",
                               [this, data, cut](size_t offset, size_t length, httplib::DataSink& sink) {
                                 size_t end = offset + std::min<size_t>(length, 64 * 1024);
                                 if (cut >= 0 && end > static_cast<size_t>(cut)) end = static_cast<size_t>(cut);
                                 if (end > offset) {
                                   if (const int ms = pause_ms_.load(); ms > 0)
                                     std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                                   sink.write(data->data() + offset, end - offset);
                                   served_ += static_cast<int64_t>(end - offset);
                                 }
                                 return cut < 0 || end < static_cast<size_t>(cut);  // false closes the connection
                               });
    });
    thread_ = std::thread([this] { server_.listen("127.0.0.1", port_); });
    server_.wait_until_ready();
  }
  ~HubStandIn() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Adds `file` to `repo` with these bytes; LFS files are served through the CDN path.
  void add(const std::string& repo, const std::string& file, const std::string& bytes, bool lfs = true) {
    std::lock_guard lock(mutex_);
    repos_[repo] = true;
    Sha256 sha;
    sha.update(bytes.data(), bytes.size());
    files_[repo + "/" + file] = Stored{bytes, sha.hex(), lfs};
  }
  std::string sha256_of(const std::string& repo, const std::string& file) {
    std::lock_guard lock(mutex_);
    return files_.at(repo + "/" + file).sha256;
  }
  // The next CDN transfer stops after the byte at absolute offset `offset` and drops the connection.
  void cut_next_transfer_at(int64_t offset) { cut_at_ = offset; }
  void serve_wrong_bytes(bool on) { wrong_bytes_ = on; }
  // Waits this long before each 64 KB the CDN sends (a slow link).
  void pause_per_chunk_ms(int ms) { pause_ms_ = ms; }
  // X-Linked-Size claims this many bytes (-1: the truth).
  void claim_size(int64_t bytes) { claimed_size_ = bytes; }

  int64_t bytes_served() const { return served_; }
  void reset_counts() {
    std::lock_guard lock(mutex_);
    served_ = 0;
    cdn_requests_.clear();
    resolve_requests_.clear();
    authorizations_.clear();
    cdn_authorizations_.clear();
  }
  std::vector<std::string> cdn_ranges() {
    std::lock_guard lock(mutex_);
    return cdn_requests_;
  }
  std::vector<std::string> resolve_requests() {
    std::lock_guard lock(mutex_);
    return resolve_requests_;
  }
  std::vector<std::string> authorizations() {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }
  std::vector<std::string> cdn_authorizations() {
    std::lock_guard lock(mutex_);
    return cdn_authorizations_;
  }

  static constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

 private:
  struct Stored {
    std::string bytes, sha256;
    bool lfs = true;
  };
  int port_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex mutex_;
  std::map<std::string, bool> repos_;
  std::map<std::string, Stored> files_;
  std::vector<std::string> resolve_requests_, cdn_requests_, authorizations_, cdn_authorizations_;
  std::atomic<int64_t> cut_at_{-1}, claimed_size_{-1}, served_{0};
  std::atomic<bool> wrong_bytes_{false};
  std::atomic<int> pause_ms_{0};
};

}  // namespace lingbi::test

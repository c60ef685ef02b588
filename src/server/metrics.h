// What `GET /metrics` reports, in Prometheus' text format: requests by route, method and status
// with their latency, and the tokens the models used. The queue's state is read from the JobQueue
// when the page is made. Internal to src/server.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "jobs.h"
#include "lingbi/model/model.h"

namespace lingbi::server {

class Metrics {
 public:
  // One answered request; `route` is the pattern it matched ("/v1/articles/:id"), so that ids do
  // not make a series each.
  void record_request(const std::string& route, const std::string& method, int status, double seconds);
  void add_tokens(const TokenCounts& tokens);
  // The whole page, with the queue's gauges.
  std::string render(const JobQueue& jobs) const;

 private:
  struct Latency {
    std::vector<long long> buckets;  // counts per upper bound in kBounds, cumulative when rendered
    long long count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, long long> requests_;  // route, method, status
  std::map<std::string, Latency> latency_;                                    // by route
  std::atomic<long long> prompt_evaluated_{0}, prompt_reused_{0}, generated_{0};
};

// A ChatModel that passes every request to `inner` and counts the tokens it used in `metrics`.
class CountingModel : public ChatModel {
 public:
  CountingModel(ChatModel& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}
  ChatResult chat(const ChatRequest& request) override;
  std::string describe() const override { return inner_.describe(); }

 private:
  ChatModel& inner_;
  Metrics& metrics_;
};

}  // namespace lingbi::server

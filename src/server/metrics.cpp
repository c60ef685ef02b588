#include "metrics.h"

#include <cstdio>

namespace lingbi::server {

namespace {

// Upper bounds of the latency histogram, in seconds (reads are meant to take under 50 ms).
constexpr double kBounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr size_t kBuckets = sizeof kBounds / sizeof kBounds[0];

// A label value as the text format wants it: backslash, double quote and line feed escaped.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Metrics::record_request(const std::string& route, const std::string& method, int status, double seconds) {
  const std::string key = route.empty() ? "(none)" : route;
  std::lock_guard lock(mutex_);
  ++requests_[{key, method, status}];
  Latency& l = latency_[key];
  if (l.buckets.empty()) l.buckets.assign(kBuckets, 0);
  for (size_t i = 0; i < kBuckets; ++i)
    if (seconds <= kBounds[i]) {
      ++l.buckets[i];
      break;
    }
  ++l.count;
  l.sum += seconds;
}

void Metrics::add_tokens(const TokenCounts& tokens) {
  prompt_evaluated_ += tokens.prompt_evaluated;
  prompt_reused_ += tokens.prompt_reused;
  generated_ += tokens.generated;
}

std::string Metrics::render(const JobQueue& jobs) const {
  std::string out;
  header(out, "lingbi_queue_waiting", "gauge", "Jobs waiting behind the running one.");
  out += "lingbi_queue_waiting " + std::to_string(jobs.waiting()) + "\n";
  header(out, "lingbi_jobs", "gauge", "Jobs the server remembers, by state.");
  for (const auto& [state, n] : jobs.counts()) out += "lingbi_jobs{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  header(out, "lingbi_tokens_total", "counter", "Tokens the models evaluated, reused from cache, or generated.");
  out += "lingbi_tokens_total{kind=\"prompt_evaluated\"} " + std::to_string(prompt_evaluated_.load()) + "\n";
  out += "lingbi_tokens_total{kind=\"prompt_reused\"} " + std::to_string(prompt_reused_.load()) + "\n";
  out += "lingbi_tokens_total{kind=\"generated\"} " + std::to_string(generated_.load()) + "\n";
  std::lock_guard lock(mutex_);
  header(out, "lingbi_http_requests_total", "counter", "HTTP requests answered, by route, method and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "lingbi_http_requests_total{route=\"" + label(route) + "\",method=\"" + label(method) + "\",status=\"" +
           std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  header(out, "lingbi_http_request_duration_seconds", "histogram",
         "Time from reading a request to its answer (an event stream: to its first byte), by route.");
  for (const auto& [route, l] : latency_) {
    const std::string r = "route=\"" + label(route) + "\"";
    long long cumulative = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      cumulative += l.buckets[i];
      out += "lingbi_http_request_duration_seconds_bucket{" + r + ",le=\"" + number(kBounds[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "lingbi_http_request_duration_seconds_bucket{" + r + ",le=\"+Inf\"} " + std::to_string(l.count) + "\n";
    out += "lingbi_http_request_duration_seconds_sum{" + r + "} " + number(l.sum) + "\n";
    out += "lingbi_http_request_duration_seconds_count{" + r + "} " + std::to_string(l.count) + "\n";
  }
  return out;
}

ChatResult CountingModel::chat(const ChatRequest& request) {
  ChatResult result = inner_.chat(request);
  metrics_.add_tokens(result.tokens);
  return result;
}

}  // namespace lingbi::server

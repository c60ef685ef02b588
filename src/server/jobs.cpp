#include "jobs.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <regex>

#include "lingbi/compose/compose.h"
#include "lingbi/util/atomic_write.h"
#include "lingbi/util/utc_time.h"

namespace lingbi::server {

using nlohmann::json;

std::string without_paths(const std::string& message) {
  // An absolute path starts a word (after a space, a parenthesis or a quote) with '/'.
  static const std::regex path(R"((^|[\s('"])/[^\s)'"]*)");
  return std::regex_replace(message, path, "$1(a file)");
}

const char* job_state_name(JobState state) {
  static const char* const kNames[] = {"queued", "running", "completed", "failed", "cancelled"};
  return kNames[static_cast<int>(state)];
}

Job::Job(std::string id_, std::string type_, json request_, Task task_)
    : id(std::move(id_)),
      type(std::move(type_)),
      request(std::move(request_)),
      task(std::move(task_)),
      created_(utc_now()) {}

void Job::emit(std::string type_, json data) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back({static_cast<int64_t>(events_.size()) + 1, std::move(type_), std::move(data)});
  }
  changed_.notify_all();
}

std::vector<JobEvent> Job::events_after(int64_t after, std::chrono::milliseconds wait) const {
  std::unique_lock lock(mutex_);
  const auto ready = [&] {
    return static_cast<int64_t>(events_.size()) > after || state_ == JobState::completed ||
           state_ == JobState::failed || state_ == JobState::cancelled;
  };
  changed_.wait_for(lock, wait, ready);
  if (after < 0) after = 0;
  if (static_cast<int64_t>(events_.size()) <= after) return {};
  return std::vector<JobEvent>(events_.begin() + after, events_.end());
}

JobState Job::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

bool Job::finished() const {
  const JobState s = state();
  return s == JobState::completed || s == JobState::failed || s == JobState::cancelled;
}

json Job::describe() const {
  std::lock_guard lock(mutex_);
  json j = {{"id", id},
            {"type", type},
            {"status", job_state_name(state_)},
            {"created", created_},
            {"progress", progress_},
            {"events", events_.size()}};
  if (!result_.is_null()) j["result"] = result_;
  if (!error_.empty()) j["error"] = error_;
  return j;
}

void Job::set_progress(const json& progress) {
  {
    std::lock_guard lock(mutex_);
    progress_.update(progress);
  }
  if (on_change) on_change(*this);
}

void Job::set_result(const json& result) {
  {
    std::lock_guard lock(mutex_);
    result_ = result;
  }
  if (on_change) on_change(*this);
}

void Job::finish(JobState state, const std::string& error) {
  {
    // The state and its event change together, so a reader that sees the job finished has its
    // last event too.
    std::lock_guard lock(mutex_);
    state_ = state;
    error_ = error;
    json data = {{"status", job_state_name(state)}};
    if (!error.empty()) data["error"] = error;
    if (!result_.is_null()) data["result"] = result_;
    events_.push_back(
        {static_cast<int64_t>(events_.size()) + 1, std::string("job.") + job_state_name(state), data});
  }
  changed_.notify_all();
  if (on_change) on_change(*this);
}

JobQueue::JobQueue(size_t max_queued, Runner runner, std::filesystem::path record_dir)
    : max_queued_(max_queued), record_dir_(std::move(record_dir)), runner_(std::move(runner)) {
  if (!record_dir_.empty()) restore();
  worker_ = std::thread([this] { work(); });
}

void JobQueue::record(const Job& job) const {
  if (record_dir_.empty() || job.internal()) return;
  json j = job.describe();
  j["request"] = job.request;
  try {
    write_file_atomically(record_dir_ / (job.id + ".json"), j.dump());
  } catch (const Error&) {
    // A full disk must not stop the job: its article is what matters, and it is saved apart.
  }
}

void JobQueue::restore() {
  std::error_code ec;
  std::filesystem::create_directories(record_dir_, ec);
  if (ec) throw Error("cannot create the jobs folder " + record_dir_.string() + ": " + ec.message());
  std::vector<std::pair<std::string, std::shared_ptr<Job>>> found;  // by creation time
  for (const auto& entry : std::filesystem::directory_iterator(record_dir_, ec)) {
    if (entry.path().extension() != ".json") continue;
    json j;
    try {
      std::ifstream in(entry.path(), std::ios::binary);
      j = json::parse(in);
    } catch (const std::exception&) {
      continue;  // a damaged record is left where it is, not trusted
    }
    auto job =
        std::make_shared<Job>(j.value("id", ""), j.value("type", ""), j.value("request", json::object()));
    const bool valid_id = job->id.size() == 20 && job->id.rfind("job_", 0) == 0 &&
                          std::all_of(job->id.begin() + 4, job->id.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                          });
    if (!valid_id || entry.path().stem() != job->id) continue;  // not a record this server wrote
    job->created_ = j.value("created", "");
    job->progress_ = j.value("progress", json::object());
    if (j.contains("result")) job->result_ = j["result"];
    const std::string status = j.value("status", "failed");
    if (status == "completed" || status == "failed" || status == "cancelled") {
      job->state_ = status == "completed" ? JobState::completed
                                          : (status == "failed" ? JobState::failed : JobState::cancelled);
      job->error_ = j.value("error", "");
      json data = {{"status", status}};
      if (!job->error_.empty()) data["error"] = job->error_;
      if (!job->result_.is_null()) data["result"] = job->result_;
      job->events_.push_back({1, "job." + status, data});
    } else {
      // Queued or running when the server stopped (a crash, kill -9): failed now, its partial
      // article kept for a resume job.
      std::string error =
          "the server stopped while this job " + std::string(status == "running" ? "ran" : "waited");
      if (job->progress_.contains("article")) {
        const std::string article = job->progress_["article"];
        error += "; its partial article " + article +
                 " is kept: resume it with {\"type\": \"resume\", \"article\": \"" + article + "\"}";
      }
      job->finish(JobState::failed, error);
      record(*job);
    }
    found.emplace_back(job->created_, job);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [created, job] : found) {
    job->on_change = [this](const Job& changed) { record(changed); };
    jobs_[job->id] = job;
    finished_.push_back(job->id);
  }
  while (finished_.size() > kKeptFinished) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

JobQueue::~JobQueue() { stop(); }

void JobQueue::stop() {
  std::deque<std::shared_ptr<Job>> dropped;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, job] : jobs_) job->cancel = true;
    dropped.swap(queue_);
  }
  wake_.notify_all();
  for (auto& job : dropped) job->finish(JobState::cancelled, "");
  worker_.join();
}

std::shared_ptr<Job> JobQueue::submit(std::string type, json request, Job::Task task) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw QueueFull("the server is shutting down");
    if (queue_.size() >= max_queued_)
      throw QueueFull(std::to_string(queue_.size()) + " jobs are waiting (--max-queue); try again later");
    std::string id = "job_";
    do {
      id.resize(4);
      for (int i = 0; i < 16; ++i) id += kChars[random() % (sizeof kChars - 1)];
    } while (jobs_.count(id));
    job = std::make_shared<Job>(id, std::move(type), std::move(request), std::move(task));
    job->on_change = [this](const Job& changed) { record(changed); };
    jobs_[id] = job;
    queue_.push_back(job);
    job->emit("job.queued", {{"position", static_cast<int>(queue_.size())}});
  }
  record(*job);
  wake_.notify_all();
  return job;
}

std::shared_ptr<Job> JobQueue::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(id);
  return it == jobs_.end() || it->second->internal() ? nullptr : it->second;
}

bool JobQueue::cancel(const std::string& id) {
  std::shared_ptr<Job> job;
  bool was_queued = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) return false;
    job = it->second;
    job->cancel = true;
    for (auto q = queue_.begin(); q != queue_.end(); ++q)
      if (*q == job) {
        queue_.erase(q);
        was_queued = true;
        break;
      }
  }
  if (was_queued) {
    job->finish(JobState::cancelled, "");
    remember_finished(*job);
  }
  return true;
}

int JobQueue::position(const Job& job) const {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < queue_.size(); ++i)
    if (queue_[i].get() == &job) return static_cast<int>(i) + 1;
  return 0;
}

std::map<std::string, int> JobQueue::counts() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, int> out;
  for (const char* s : {"queued", "running", "completed", "failed", "cancelled"}) out[s] = 0;
  for (const auto& [id, job] : jobs_) ++out[job_state_name(job->state())];
  return out;
}

size_t JobQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void JobQueue::remember_finished(const Job& job) {
  std::lock_guard lock(mutex_);
  if (job.internal()) {
    jobs_.erase(job.id);
    return;
  }
  finished_.push_back(job.id);
  if (finished_.size() > kKeptFinished) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

void JobQueue::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
      std::lock_guard job_lock(job->mutex_);
      job->state_ = JobState::running;
    }
    job->emit("job.running", json::object());
    record(*job);
    try {
      if (job->internal())
        job->task(*job);
      else
        runner_(*job);
      job->finish(job->cancel ? JobState::cancelled : JobState::completed, "");
    } catch (const Interrupted&) {
      job->finish(JobState::cancelled, "");
    } catch (const std::exception& e) {
      job->finish(JobState::failed, without_paths(e.what()));
    }
    remember_finished(*job);
  }
}

}  // namespace lingbi::server

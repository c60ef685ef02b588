// Jobs of `lingbi serve` (after OpenAI's background responses): a queue that runs one job at a
// time on one worker thread, so one model serves them in order, and each job's event log, which a
// client reads live and replays from any point (server-sent events with Last-Event-ID). Internal
// to src/server.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lingbi/util/error.h"

namespace lingbi::server {

enum class JobState { queued, running, completed, failed, cancelled };
const char* job_state_name(JobState state);

// `message` with every absolute file path replaced by "(a file)": what a job's error may show to a
// client, who addresses pictures by id only.
std::string without_paths(const std::string& message);

struct JobEvent {
  int64_t id = 0;    // 1, 2, 3, ... within the job
  std::string type;  // "plan", "section.delta", ..., "job.completed"
  nlohmann::json data;
};

class Job {
 public:
  // What an internal job does instead of the queue's runner (a chat completion).
  using Task = std::function<void(Job&)>;

  Job(std::string id, std::string type, nlohmann::json request, Task task = {});

  const std::string id;
  const std::string type;        // "compose", "edit", "resume"; internal: "chat"
  const nlohmann::json request;  // as the client sent it
  // Set for an internal job: it runs in the queue like any other, but is never recorded on disk,
  // never found by id (its answer belongs to the one client that asked) and forgotten once it
  // has finished.
  const Task task;
  bool internal() const { return static_cast<bool>(task); }
  std::atomic<bool> cancel{false};  // set by cancel(); the model stops within about 100 ms

  // Appends an event to the log and wakes every reader. Thread-safe.
  void emit(std::string type, nlohmann::json data);
  // The events after `after`, waiting up to `wait` for one when there is none yet and the job has
  // not finished. An empty result means: nothing new within `wait` (or the job finished).
  std::vector<JobEvent> events_after(int64_t after, std::chrono::milliseconds wait) const;

  JobState state() const;
  bool finished() const;
  // What the job reports: {"id", "type", "status", "created", "progress", "result", "error"}.
  nlohmann::json describe() const;
  // The job's progress so far ({"step": ..., "article": id}); merged into describe().
  void set_progress(const nlohmann::json& progress);
  void set_result(const nlohmann::json& result);  // {"article": id, "revision": n}
  // Called after every change of state, progress or result (the queue records the job).
  std::function<void(const Job&)> on_change;

 private:
  friend class JobQueue;
  void finish(JobState state, const std::string& error);

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<JobEvent> events_;
  JobState state_ = JobState::queued;
  std::string created_;
  nlohmann::json progress_ = nlohmann::json::object();
  nlohmann::json result_;
  std::string error_;
};

// How many finished jobs (with their event logs) the queue remembers.
constexpr size_t kKeptFinished = 256;

// The queue is full: the client should come back later.
class QueueFull : public Error {
 public:
  using Error::Error;
};

class JobQueue {
 public:
  // Runs a job; returns normally when it completed, throws Interrupted when job.cancel stopped
  // it, lingbi::Error (or another exception) when it failed.
  using Runner = std::function<void(Job&)>;

  // With a `record_dir`, every job's state is kept there (one JSON file a job, written
  // atomically at every change), so that a restarted server still answers for the jobs it had:
  // one that was queued or running when the server stopped (a crash, kill -9) is failed, and its
  // partial article can be resumed.
  JobQueue(size_t max_queued, Runner runner, std::filesystem::path record_dir = {});
  ~JobQueue();  // stop()
  // Cancels the running job and every waiting one (each gets job.cancelled) and joins the
  // worker. Idempotent; submit() refuses after it.
  void stop();

  // Queues a job (event job.queued); throws QueueFull when max_queued jobs are waiting. With a
  // `task`, an internal job that runs the task instead of the runner (see Job::task).
  std::shared_ptr<Job> submit(std::string type, nlohmann::json request, Job::Task task = {});
  // The job with this id; nullptr for an unknown id and for internal jobs.
  std::shared_ptr<Job> find(const std::string& id) const;
  // Cancels a queued job at once and a running one within about a second. Idempotent; false for
  // an unknown id.
  bool cancel(const std::string& id);
  // 1 for the next job to run, 2 for the one after it, ...; 0 when not waiting.
  int position(const Job& job) const;
  // How many jobs are in each state.
  std::map<std::string, int> counts() const;
  size_t waiting() const;

 private:
  void work();
  void record(const Job& job) const;  // writes the job's file (with a record_dir)
  void restore();                     // reads the files of an earlier run
  // Keeps the newest kKeptFinished finished jobs; forgets the oldest beyond them, and an
  // internal job at once.
  void remember_finished(const Job& job);

  const size_t max_queued_;
  const std::filesystem::path record_dir_;
  Runner runner_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::string> finished_;  // oldest first; past kKeptFinished the oldest is forgotten
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace lingbi::server

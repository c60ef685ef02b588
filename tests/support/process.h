// Running a program from a test and reading what it printed.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

extern char** environ;

namespace lingbi::test {

// The lingbi program under test: LINGBI_BIN_DIR/lingbi (ctest sets it), else bin/lingbi.
inline std::string lingbi_program() {
  const char* dir = std::getenv("LINGBI_BIN_DIR");
  return std::string(dir ? dir : "bin") + "/lingbi";
}

// Standard output of a shell command, and its exit status in `status`.
inline std::string run_capture(const std::string& command, int& status) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  int raw = pclose(pipe.release());
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

// A shell command running beside the test (posix_spawn, so it is safe after OpenMP has started
// threads here), its standard output and error going to files.
class Child {
 public:
  Child(const std::string& command, const std::string& out_file, const std::string& err_file) {
    const std::string line = "exec " + command + " >'" + out_file + "' 2>'" + err_file + "'";
    const char* argv[] = {"/bin/sh", "-c", line.c_str(), nullptr};
    if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0) pid_ = -1;
  }
  ~Child() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  void signal(int sig) const { ::kill(pid_, sig); }
  // True while the program runs.
  bool running() {
    if (waited_) return false;
    int raw = 0;
    pid_t r = waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) record(raw);
    return !waited_;
  }
  // The exit status, or 128 + the signal that ended it.
  int wait() {
    if (!waited_) {
      int raw = 0;
      if (waitpid(pid_, &raw, 0) == pid_) record(raw);
      waited_ = true;
    }
    return status_;
  }

 private:
  void record(int raw) {
    waited_ = true;
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : -1;
  }
  pid_t pid_ = -1;
  bool waited_ = false;
  int status_ = -1;
};

}  // namespace lingbi::test

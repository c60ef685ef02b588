// Progress reporting for long work: a redrawn bar on a terminal, plain periodic lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace lingbi {

class Progress {
 public:
  // `label` starts every line. On a terminal (stream is a TTY) update() redraws one line at most
  // ten times a second; elsewhere it prints a plain line every `plain_interval_s` seconds.
  // `enabled` false silences everything.
  Progress(std::string label, std::FILE* stream = stderr, bool enabled = true, double plain_interval_s = 5.0);

  // Reports `done` of `total` items (total < 0: not known yet) and `errors` so far.
  void update(int64_t done, int64_t total, int64_t errors);
  // Ends the bar line on a terminal so later output starts on a fresh line.
  void finish();

 private:
  std::string render(int64_t done, int64_t total, int64_t errors, double elapsed) const;

  std::string label_;
  std::FILE* stream_;
  bool enabled_;
  bool tty_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

}  // namespace lingbi

// Progress of a download in bytes: a redrawn bar with rate and time left on a terminal, plain
// periodic lines otherwise (and a last line at the end).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace lingbi::hub {

class ByteProgress {
 public:
  // `stream` nullptr: silent. `total` < 0: not known.
  ByteProgress(std::FILE* stream, int64_t total, double plain_interval_s);
  void add(int64_t bytes);
  // Prints the last state (a plain line, or the bar ended with a newline).
  void finish();

 private:
  std::string line() const;
  void draw(bool force);

  std::FILE* stream_;
  bool tty_;
  int64_t total_, done_ = 0;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

}  // namespace lingbi::hub

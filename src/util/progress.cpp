#include "lingbi/util/progress.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

namespace lingbi {

Progress::Progress(std::string label, std::FILE* stream, bool enabled, double plain_interval_s)
    : label_(std::move(label)),
      stream_(stream),
      enabled_(enabled),
      tty_(isatty(fileno(stream)) != 0),
      interval_s_(plain_interval_s),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

std::string Progress::render(int64_t done, int64_t total, int64_t errors, double elapsed) const {
  const double rate = elapsed > 0 ? done / elapsed : 0;
  char buf[256];
  std::string bar;
  if (tty_ && total > 0) {
    const int width = 24;
    const int filled = static_cast<int>(width * std::min<double>(1.0, static_cast<double>(done) / total));
    bar.push_back('[');
    bar.append(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(width - filled), '.');
    bar.append("] ");
  }
  std::string eta = "?";
  if (total > 0 && rate > 0) {
    const long s = static_cast<long>((total - done) / rate);
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    eta = buf;
  }
  if (total >= 0)
    std::snprintf(buf, sizeof buf, "%lld/%lld %.1f/s ETA %s errors %lld", static_cast<long long>(done),
                  static_cast<long long>(total), rate, eta.c_str(), static_cast<long long>(errors));
  else
    std::snprintf(buf, sizeof buf, "%lld (still walking) %.1f/s errors %lld", static_cast<long long>(done), rate,
                  static_cast<long long>(errors));
  return label_ + " " + bar + buf;
}

void Progress::update(int64_t done, int64_t total, int64_t errors) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (since < (tty_ ? 0.1 : interval_s_)) return;
  last_ = now;
  const std::string line = render(done, total, errors, std::chrono::duration<double>(now - start_).count());
  if (tty_) {
    std::fprintf(stream_, "\r\033[2K%s", line.c_str());
    drawn_ = true;
  } else {
    std::fprintf(stream_, "%s\n", line.c_str());
  }
  std::fflush(stream_);
}

void Progress::finish() {
  if (enabled_ && tty_ && drawn_) std::fputs("\n", stream_);
  drawn_ = false;
}

}  // namespace lingbi

#include "byte_progress.h"

#include <unistd.h>

#include <algorithm>

#include "lingbi/hub/model_store.h"

namespace lingbi::hub {

ByteProgress::ByteProgress(std::FILE* stream, int64_t total, double plain_interval_s)
    : stream_(stream),
      tty_(stream && isatty(fileno(stream))),
      total_(total),
      interval_s_(plain_interval_s),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

std::string ByteProgress::line() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  std::string s = human_bytes(done_);
  if (total_ > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%d%%)", static_cast<int>(100.0 * done_ / total_));
    s += " of " + human_bytes(total_) + pct;
  }
  s += ", " + human_bytes(static_cast<int64_t>(rate)) + "/s";
  if (total_ > 0 && rate > 0 && done_ < total_) {
    const int64_t left = static_cast<int64_t>((total_ - done_) / rate);
    char eta[32];
    std::snprintf(eta, sizeof eta, ", %lld:%02lld left", static_cast<long long>(left / 60), static_cast<long long>(left % 60));
    s += eta;
  }
  return s;
}

void ByteProgress::draw(bool force) {
  if (!stream_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (!force && since < (tty_ ? 0.1 : interval_s_)) return;
  last_ = now;
  if (tty_) {
    constexpr int width = 30;
    const int filled = total_ > 0 ? static_cast<int>(width * std::min<double>(1.0, double(done_) / total_)) : 0;
    std::fprintf(stream_, "\r\033[Kpull [%s%s] %s", std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                 line().c_str());
    drawn_ = true;
  } else {
    std::fprintf(stream_, "pull: %s\n", line().c_str());
  }
  std::fflush(stream_);
}

void ByteProgress::add(int64_t bytes) {
  done_ += bytes;
  draw(false);
}

void ByteProgress::finish() {
  draw(true);
  if (tty_ && drawn_ && stream_) std::fputc('\n', stream_);
}

}  // namespace lingbi::hub

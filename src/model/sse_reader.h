// Splits a server-sent-events byte stream into the payloads of its "data:" lines.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace lingbi::model_detail {

class SseReader {
 public:
  // `on_data` receives each event's data (multi-line data joined by '\n'), without the "data:" prefix.
  explicit SseReader(std::function<void(const std::string&)> on_data) : on_data_(std::move(on_data)) {}
  // Feeds bytes as they arrive; calls on_data for every event completed by them.
  void feed(std::string_view bytes);
  // Delivers an event left unterminated at the end of the stream.
  void finish();

 private:
  void line(std::string_view l);
  std::function<void(const std::string&)> on_data_;
  std::string pending_;  // bytes of an unfinished line
  std::string data_;     // data of the current event
  bool has_data_ = false;
};

}  // namespace lingbi::model_detail

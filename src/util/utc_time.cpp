#include "lingbi/util/utc_time.h"

#include <chrono>
#include <ctime>

namespace lingbi {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char at[32];
  std::strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return at;
}

}  // namespace lingbi

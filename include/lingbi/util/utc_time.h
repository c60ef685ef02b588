// The current time as lingbi records it in files: UTC, ISO 8601, to the second.
#pragma once

#include <string>

namespace lingbi {

// "2026-11-29T16:10:00Z"
std::string utc_now();

}  // namespace lingbi

// The one exception type lingbi throws for problems a user can act on.
#pragma once

#include <stdexcept>
#include <string>

namespace lingbi {

// An error whose message is written for the user: it says what was wrong and, where it can,
// what to do ("model file X is not a GGUF file"), never a bare code.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace lingbi

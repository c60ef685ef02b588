// Running a program from a test and reading what it printed.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

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

}  // namespace lingbi::test

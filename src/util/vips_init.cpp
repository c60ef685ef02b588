#include "lingbi/vips_init.h"

#include <vips/vips.h>

#include <mutex>
#include <string>

#include "lingbi/error.h"

namespace lingbi {

void ensure_vips() {
  static std::once_flag once;
  static bool ok = false;
  static std::string message;
  std::call_once(once, [] {
    ok = VIPS_INIT("lingbi") == 0;
    if (!ok) message = vips_error_buffer();
    // Cached operations would keep decoded pictures alive across a long indexing run.
    vips_cache_set_max(0);
  });
  if (!ok) throw Error("cannot start libvips: " + message);
}

}  // namespace lingbi

#include "lingbi/util/vips_init.h"

#include <glib.h>
#include <vips/vips.h>
// after vips.h, which defines what vector.h needs
#include <vips/vector.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "lingbi/util/error.h"

namespace lingbi {

namespace {

void quiet_log(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

}  // namespace

void ensure_vips() {
  static std::once_flag once;
  static bool ok = false;
  static std::string message;
  std::call_once(once, [] {
    ok = VIPS_INIT("lingbi") == 0;
    if (!ok) {
      message = vips_error_buffer();
      return;
    }
    vips_cache_set_max(0);
    // liborc's generated SIMD code is freed racily when several threads run libvips operations
    // at once (Debian 12's libvips 8.14 with orc 0.4.33: heap corruption in 4 of 20 runs of
    // `lingbi index -t 2` over 2,000 pictures, none of 32 without it; docs/gallery.md).
    vips_vector_set_enabled(FALSE);
    const char* concurrency = std::getenv("VIPS_CONCURRENCY");
    if (concurrency == nullptr || *concurrency == '\0') vips_concurrency_set(1);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, quiet_log, nullptr);
  });
  if (!ok) throw Error("cannot start libvips: " + message + " (check the libvips installation)");
}

std::string libvips_version() { return vips_version_string(); }

}  // namespace lingbi

// libvips is initialised once per process, on first use, by whichever module needs it first.
#pragma once

namespace lingbi {

// Initialises libvips if it is not yet; throws lingbi::Error when it cannot start.
void ensure_vips();

}  // namespace lingbi

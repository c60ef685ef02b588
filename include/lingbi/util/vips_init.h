// libvips is started once per process, on first use, by whichever module needs it first; this is
// the program's only start-up, so its settings hold for every module alike:
// - the operation cache is off: lingbi decodes each picture once, and cached operations would keep
//   decoded pictures alive across a long indexing run;
// - libvips' own worker threads are limited to one per operation (unless VIPS_CONCURRENCY is set
//   in the environment): lingbi parallelises image work itself (the gallery decodes one picture
//   per thread on all cores), so a pool of libvips workers on top of that would oversubscribe the
//   cores, and the other image work (a query image, a few pictures for a page) is small;
// - libvips' warnings are not printed: a file that fails is reported by lingbi with its reason;
// - liborc's SIMD code generation is off: it corrupts the heap when several threads decode at
//   once (measured in docs/gallery.md, "Threads"), and lingbi's decoders run in parallel.
#pragma once

#include <string>

namespace lingbi {

// Initialises libvips if it is not yet; throws lingbi::Error when it cannot start.
void ensure_vips();

// The version of the libvips library in use, "MAJOR.MINOR.MICRO".
std::string libvips_version();

}  // namespace lingbi

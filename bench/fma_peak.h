// The machine's measured fp32 FMA peak, for reporting benchmark results as a fraction of it.
#pragma once

// GFLOP/s (an FMA counted as 2 FLOPs) of independent vector FMAs on `threads` threads, about
// `seconds` long. Built with -march=native, so it uses the widest FMA units of this machine.
double measure_fma_peak_gflops(int threads, double seconds = 0.5);

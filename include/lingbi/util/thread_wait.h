// How the model threads wait for each other. llama.cpp's CPU backend is built with OpenMP
// (libgomp), which lets a thread that reaches a barrier spin for a while before it sleeps, and a
// token passes several barriers per layer. When a core is taken by something else (another
// program, a browser, a busy host under a virtual machine), the spinning thread burns the time the
// late thread needs and generation collapses: on the 2-core machine, llama-bench on the 3B-class
// model with 2 threads made 0.5 to 0.8 tokens/s waiting the default way and 3.9 to 7.0 sleeping at
// once (passive), interleaved in one run (docs/performance.md, "Threads that wait").
//
// libgomp reads OMP_WAIT_POLICY once, when it is loaded, before main() runs; so lingbi chooses
// passive by starting itself again with it set, unless the user set OMP_WAIT_POLICY or
// GOMP_SPINCOUNT (OMP_WAIT_POLICY=active spins, for cores that nothing else uses).
#pragma once

#include <string>

namespace lingbi {

// Called first in main(): unless the environment chooses a wait policy, sets
// OMP_WAIT_POLICY=passive and executes this program again with the same arguments (the process
// keeps its pid, its standard streams and its signal handling). Returns when nothing needed doing,
// or when the program cannot be executed again (it then runs with libgomp's default).
void prefer_passive_thread_wait(char** argv);

// The policy this process's threads wait by, as libgomp read it: "passive", "active", or
// "default (spin, then sleep)"; with GOMP_SPINCOUNT's value when that is set.
std::string thread_wait_policy();

}  // namespace lingbi

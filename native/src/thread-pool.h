// One process-wide pool of compute threads shared by every kernel. The calling (JS) thread works too, so
// a pool of size T starts T-1 threads. Callers from several JS worker threads are safe: whoever finds the
// pool busy runs its loop on its own thread.
#pragma once
#include <cstdint>
#include <functional>

namespace mila {

// Run fn(begin, end) over [0, n) in chunks of at least `grain` items, spread over the pool.
void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

int numThreads();
// 1 makes every kernel single-threaded (what each JS worker should use when several share the cores).
void setNumThreads(int n);

}  // namespace mila

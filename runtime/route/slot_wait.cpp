#include "route/slot_wait.hpp"

#include <algorithm>
#include <limits>

namespace concord::route {

double worker_wait_s(const Beacon& b) {
  if (b.free_slots < 0) return 0.0;  // unlimited: every sample starts at once
  const int slots = b.queue_length - b.queued + b.free_slots;  // running + free
  if (slots <= 0) return 0.0;                                  // a malformed beacon: nothing to go by
  const double queue_ahead = static_cast<double>(b.queued) - static_cast<double>(b.free_slots);
  return queue_wait_s(queue_ahead + 1.0, std::max(0.0, b.latency_ewma_s) / static_cast<double>(slots));
}

double expected_wait_s(std::span<const Beacon> beacons) {
  double best = std::numeric_limits<double>::infinity();
  for (const Beacon& b : beacons) best = std::min(best, worker_wait_s(b));
  return best;
}

}  // namespace concord::route

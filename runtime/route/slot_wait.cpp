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

PoolOutlook pool_outlook(std::span<const Beacon> beacons) {
  double queued = 0, free = 0, slots = 0, ewma_sum = 0;
  int ewma_count = 0;
  for (const Beacon& b : beacons) {
    if (b.free_slots < 0) continue;  // unlimited: never waits
    const int s = b.queue_length - b.queued + b.free_slots;
    if (s <= 0) continue;            // a malformed beacon
    queued += b.queued, free += b.free_slots, slots += s;
    if (b.latency_ewma_s > 0) ewma_sum += b.latency_ewma_s, ++ewma_count;
  }
  PoolOutlook o;
  if (slots <= 0) return o;
  o.queue_ahead = queued - free;
  o.wait_per_position_s = ewma_count > 0 ? ewma_sum / ewma_count / slots : 0.0;
  return o;
}

}  // namespace concord::route

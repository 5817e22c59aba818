#pragma once
// The expected wait for a worker slot, from what beacons say (issue 13, docs/negotiation.md).
// One rule, shared by the contention simulator (McppOutlook::delay_s) and the actors' beacons:
// a sample at position p = queue_ahead + 1 past the free slots (queue_ahead = waiting samples -
// free slots, may be negative) waits for the p-th of C busy slots to free, each freeing at rate
// 1 / mean service time:
//     wait = max(0, queue_ahead + 1) x service_s / C                 (seconds)
// Units: seconds, samples, slots. Pure, no allocation.
#include <span>

#include "route/beacon.hpp"

namespace concord::route {

/// Seconds a sample waits when `position` samples (counted past the free slots, the sample
/// itself included) stand before a slot frees: max(0, position) x wait_per_position_s.
inline double queue_wait_s(double position, double wait_per_position_s) {
  return position > 0 ? position * wait_per_position_s : 0.0;
}

/// Seconds a new sample sent to this worker now would wait for a slot (the rule above with
/// C = the worker's slots, service_s = its latency EWMA): 0 when a slot is free or slots are
/// unlimited (free_slots < 0). An unknown service time (EWMA 0) counts as 0.
double worker_wait_s(const Beacon& b);

/// The expected wait for a slot of a model: the shortest worker_wait_s over `beacons` (the
/// caller passes the model's live workers). +infinity when there is none.
double expected_wait_s(std::span<const Beacon> beacons);

/// A model's pool as the contention simulator's negotiating planner sees it (McppOutlook's
/// queue_ahead and wait_per_position_s): over `beacons` (the model's live workers) with slots,
/// queue_ahead = sum of waiting - sum of free slots, wait_per_position_s = mean service time
/// (the mean latency EWMA of those that have one) / total slots. Sample j of a batch sent now
/// then waits queue_wait_s(queue_ahead + j + 1, wait_per_position_s). No worker with slots:
/// {0, 0} (no queue).
struct PoolOutlook {
  double queue_ahead = 0;
  double wait_per_position_s = 0;
};
PoolOutlook pool_outlook(std::span<const Beacon> beacons);

}  // namespace concord::route

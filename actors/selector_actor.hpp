#pragma once
// The selector of one node: keeps the beacons of every worker it hears from,
// excludes workers that died (down_msg, via the monitors it holds) or fell silent
// (stale beacons), and picks workers for a model's samples: among the screened candidates,
// workers with a free slot first (route/screening.hpp); when none has one the sample is still
// sent (it waits in a worker's queue; route::expected_wait_s gives the wait from the beacons).
#include <caf/fwd.hpp>
#include "interfaces.hpp"

#include "time/clock.hpp"
#include "cluster_tunables.hpp"

namespace concord::actors {

struct SelectorOptions {
  double beacon_interval_s = kDefaultTunables.beacon_interval_s;          // real seconds between a worker's beacons
  double stale_after_intervals = kDefaultTunables.stale_after_intervals;  // silence after which a worker is presumed dead
  std::size_t top_l = kDefaultTunables.top_l;                             // candidates screened per pick
  const Clock* clock = &real_clock();  // what "now" is (beacon ages)
};

/// Messages (proto::selector_actor):
///   beacon                                   -> (updates the table)
///   (pick_atom, model, count)                -> (std::vector<caf::actor> workers, std::vector<uint64> dispatch ids)
///                                               (size <= count; empty: none alive)
///   (outcome_atom, dispatch id, success, latency) -> (learning: credits that dispatch's worker)
///   (forget_atom, dispatch id)               -> (the sample was cancelled or re-dispatched: no credit)
///   (workers_atom, model)                    -> int32: workers alive for the model
///   (status_atom)                            -> (vector<string> workers, vector<int32> samples assigned)
///   (models_atom)                            -> (vector<string> models, vector<int32> live workers of each)
///   (wait_atom, model)                       -> double: simulated seconds a sample of the model sent now
///                                               would wait for a slot (route::expected_wait_s over its live
///                                               workers' beacons, with this selector's picks since them);
///                                               0 without slots; +inf when no worker is live
proto::selector_actor spawn_selector(caf::actor_system& sys, const SelectorOptions& options);

}  // namespace concord::actors

#pragma once
// The selector of one node: keeps the beacons of every worker it hears from,
// excludes workers that died (down_msg, via the monitors it holds) or fell silent
// (stale beacons), and picks workers for a model's samples.
#include <caf/fwd.hpp>
#include <caf/actor.hpp>

#include "clock.hpp"

namespace concord::actors {

struct SelectorOptions {
  double beacon_interval_s = 0.05;   // real seconds between a worker's beacons
  double stale_after_intervals = 4;  // silence after which a worker is presumed dead
  const Clock* clock = &real_clock();  // what "now" is (beacon ages)
};

/// Messages:
///   beacon                                   -> (updates the table)
///   (pick_atom, model, count)                -> (std::vector<caf::actor> workers, std::vector<uint64> dispatch ids)
///                                               (size <= count; empty: none alive)
///   (outcome_atom, dispatch id, success, latency) -> (learning: credits that dispatch's worker)
///   (forget_atom, dispatch id)               -> (the sample was cancelled or re-dispatched: no credit)
///   (workers_atom, model)                    -> int32: workers alive for the model
///   (status_atom)                            -> (vector<string> workers, vector<int32> samples assigned)
caf::actor spawn_selector(caf::actor_system& sys, const SelectorOptions& options);

}  // namespace concord::actors

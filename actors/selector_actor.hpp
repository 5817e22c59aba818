#pragma once
// The selector of one node: keeps the beacons of every worker it hears from,
// excludes workers that died (down_msg, via the monitors it holds) or fell silent
// (stale beacons), and picks workers for a model's samples: among the screened candidates,
// workers with a free slot first (route/screening.hpp); when none has one the sample is still
// sent (it waits in a worker's queue; route::expected_wait_s gives the wait from the beacons).
#include <map>
#include <string>

#include <caf/fwd.hpp>
#include "interfaces.hpp"

#include "negotiate/ticked_price.hpp"
#include "time/clock.hpp"
#include "cluster_tunables.hpp"

namespace concord::actors {

struct SelectorOptions {
  double beacon_interval_s = kDefaultTunables.beacon_interval_s;          // real seconds between a worker's beacons
  double stale_after_intervals = kDefaultTunables.stale_after_intervals;  // silence after which a worker is presumed dead
  std::size_t top_l = kDefaultTunables.top_l;                             // candidates screened per pick
  const Clock* clock = &real_clock();  // what "now" is (beacon ages)
  double time_scale = kDefaultTunables.time_scale;  // simulated seconds per second of `clock` (price ticks)
  /// A model's slot price (issue 13, docs/negotiation.md "Prices on the actors"), by model (not
  /// listed: 0): updated every tick_s simulated seconds on the slot-seconds its workers' beacons
  /// say were demanded in the tick (running + waiting samples; ticks taken lazily, before each
  /// beacon and price read, so a tick sees the beacons up to its end).
  std::map<std::string, negotiate::PriceTerms> slot_prices;
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
///   (price_atom, model)                      -> double: the model's slot price (value per slot-second; 0: none)
///   (outlook_atom, model)                    -> (queue_ahead, wait_per_position_s, slot price): route::pool_outlook
///                                               over its live workers' beacons (with this selector's picks), and the price
proto::selector_actor spawn_selector(caf::actor_system& sys, const SelectorOptions& options);

}  // namespace concord::actors

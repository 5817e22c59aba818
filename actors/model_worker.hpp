#pragma once
// A model worker: one endpoint of one model. The simulated kind draws each
// sample from the profile shipped with the request, "runs" for its latency
// divided by the time scale, honours the token cap and cancellation, reports
// {success, latency, tokens, cost}, and sends a beacon every interval.
// A cancel (cancel_atom, sample id, stop_after_s) stops a sample stop_after_s simulated seconds
// after its start when stop_after_s >= 0 (the batch's first success: the simulator's settlement),
// else now.
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include "interfaces.hpp"

#include "chaos/worker_fault.hpp"
#include "time/clock.hpp"
#include "cluster_tunables.hpp"

namespace concord::actors {

class VirtualTime;

struct WorkerOptions {
  std::string name;            // unique in the cluster, e.g. "node-a/goedel8b#1"
  std::string model;           // model id it serves
  double time_scale = kDefaultTunables.time_scale;                // simulated seconds per real second
  double beacon_interval_s = kDefaultTunables.beacon_interval_s;  // real seconds between beacons (0: none)
  caf::actor beacon_target;    // the selector to advertise to (may be null)
  const Clock* clock = &real_clock();  // what "now" is (beacon timestamps, elapsed time of cancelled samples)
  /// Set: the worker runs on this virtual clock (samples end and beacons go at virtual times;
  /// `clock` should then be the same object). Null: real time.
  VirtualTime* virtual_time = nullptr;
  /// Fault injection (`concord chaos`, tests): the faults this worker plays, at simulated times
  /// since it started (chaos/worker_fault.hpp). Empty: none.
  std::vector<chaos::WorkerFault> faults;
};

/// Spawns a simulated worker.
proto::worker_actor spawn_simulated_worker(caf::actor_system& sys, const WorkerOptions& options);

}  // namespace concord::actors

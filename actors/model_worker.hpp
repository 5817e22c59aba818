#pragma once
// A model worker: one endpoint of one model. The simulated kind draws each
// sample from the profile shipped with the request, "runs" for its latency
// divided by the time scale, honours the token cap and cancellation, reports
// {success, latency, tokens, cost}, and sends a beacon every interval.
// A cancel (cancel_atom, sample id, stop_after_s) stops a sample stop_after_s simulated seconds
// after its dispatch (its start, when it did not wait) when stop_after_s >= 0 (the batch's first
// success: the simulator's settlement, at the winner's end = its waited_s + latency_s), else now.
//
// Slots (issue 13): with `slots` = S > 0, at most S samples run at once; more wait in a FIFO
// queue at the worker and start, in arrival order, when a slot frees (a sample ends, is
// cancelled, or its result is lost to a fault). A sample's latency and charge count from its
// start, never its wait; a result says how long the sample waited (sample_result.waited_s,
// simulated seconds). A waiting sample's cancel removes it from the queue and answers it
// cancelled, charged nothing (nothing ran; no slot frees). A running sample that waited first is
// stopped by a cancel now, whatever stop_after_s says (on the virtual clock the cancel
// comes at the winner's end, which stop_after_s also says), as an external worker's is. Beacons carry free_slots and queued (protocols/messages.hpp).
// slots = 0: unlimited, exactly the behaviour without slots (the simulator's equivalence).
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
  /// Samples run at once (>= 1); more wait in a FIFO queue here. 0: unlimited.
  int slots = 0;
  /// Also beacon whenever a sample arrives, starts or ends, so that a selector's view of the free
  /// slots and the queue is never behind (the contention runs: the simulator's view). false: only
  /// every beacon_interval_s.
  bool beacon_on_change = false;
  /// The service time its beacons report before any sample ran to its end (simulated seconds;
  /// a prior, e.g. the model's mean latency, so that a queue shows a wait from the start). 0: unknown.
  double initial_latency_ewma_s = 0;
};

/// Spawns a simulated worker.
proto::worker_actor spawn_simulated_worker(caf::actor_system& sys, const WorkerOptions& options);

}  // namespace concord::actors

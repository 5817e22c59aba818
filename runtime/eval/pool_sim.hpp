#pragma once
// Evaluation 2: a simulated worker pool with shocks, routed by the two-stage
// beacon router. Deterministic by seed.
//
// World (per replicate, from derive_seed(seed, replicate)):
//  - `models` models; model j has a capability vector (unit, dims = capability_dims,
//    centred on axis j), a base latency (1..6 s) and a price per call ($0.0005..$0.008);
//  - `workers_per_model` workers per model: capability = model's + N(0, 0.08) per dim,
//    hidden success p(w, type) = clamp(quality(model, type) x U(0.75, 1.08), 0.02, 0.98),
//    hidden mean latency = model's x U(0.7, 1.5) (log-normal samples, sigma 0.3,
//    slowed by 25 % per queued sample beyond 4 in flight);
//  - 3 task types (probabilities 0.5, 0.3, 0.2), requirement = the type's vector
//    + N(0, 0.1) per dim. One task every task_interval_s.
//  - beacons every beacon_interval_s per worker (random phase): load = in-flight / 4,
//    queue = in-flight beyond 4, latency EWMA (rate 0.2), reputation EWMA (rate 0.05)
//    of the worker's outcomes (initial workers start at their true success, a
//    newcomer at 0.5).
// The shocked worker of (a)/(b) is the "good worker": the most successful worker
// on type-0 tasks among the screened top L for the type-0 requirement.
// Scenarios, at task `shock_task`:
//  (a) dies: it stops beaconing and never answers (outcomes time out = failures);
//      the failure detector (when honoured) marks it dead fd_delay_s later;
//  (b) degrades: its success is multiplied by degrade_factor (beacons continue);
//  (c) joins: a new model-0 worker with the exact type-0 capability and success
//      min(0.98, good worker's + 0.08) starts beaconing.
// Outcome randomness uses common random numbers: the uniform deciding task i's
// success is the same for every policy in a replicate.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/recovery.hpp"
#include "route/router.hpp"

namespace concord::route {

enum class Shock { worker_dies, worker_degrades, better_worker_joins };
const char* to_string(Shock s);

struct PoolConfig {
  std::size_t models = 6;             // >= 5
  std::size_t workers_per_model = 6;  // models x workers_per_model >= 30
  std::size_t capability_dims = 6;
  std::size_t tasks = 1200;
  std::size_t shock_task = 600;
  double task_interval_s = 0.5;
  double beacon_interval_s = 1.0;
  double stale_after_intervals = 3.0;
  double fd_delay_s = 1.5;          // failure detector's delay to mark a dead worker dead
  double outcome_timeout_s = 20.0;  // a dispatch without outcome after this is a failure
  double degrade_factor = 0.4;
  std::size_t replicates = 50;
  std::uint64_t seed = 1;
  RecoveryRule rule;
  void validate() const;  // throws std::invalid_argument naming the field
};

struct PoolPolicy {
  std::string name;
  RouterConfig router;  // table interval/staleness are overwritten from PoolConfig
};

/// Concord's configuration: disjoint LinUCB with population prior, alpha 0.3,
/// discount 0.95, staleness exclusion and failure detector on (alpha and discount
/// chosen on seed 2; results are reported on other seeds).
PoolPolicy concord_pool_policy();
/// The reference's: shared LinUCB, alpha 1, no discount, no staleness exclusion, no failure detector.
PoolPolicy reference_pool_policy();

struct ScenarioResult {
  Shock shock = Shock::worker_dies;
  std::string policy;
  // Over the mean (across replicates) rolling-success curve:
  Recovery recovery;
  // Per replicate:
  std::vector<long> tasks_to_recover;  // -1 never
  double success_before = 0;           // mean success, tasks [0, shock)
  double success_after = 0;            // mean success, tasks [shock, end)
  double cost_per_success = 0;         // dollars / successes over the whole run (all replicates)
  double cost_per_success_after = 0;   // same, after the shock
  long dead_dispatches_after_timeout = 0;  // (a): dispatches to the dead worker after one beacon-timeout (all replicates)
  long dead_dispatches = 0;                // (a): dispatches to the dead worker after its death
  double shocked_share_after = 0;          // (a)/(b): share of the 100 tasks after the shock sent to the shocked worker
  double shocked_share_before = 0;         // ... and of the 100 tasks before it
  std::vector<long> adoption_tasks;        // (c): per replicate, tasks since the join from which the newcomer
                                           // gets >= 10 of the next 20 type-0 tasks it is a candidate for; -1 never
  std::vector<double> mean_rolling;        // mean rolling success per task (NaN before the first window)
};

ScenarioResult run_pool_scenario(const PoolConfig& cfg, const PoolPolicy& policy, Shock shock);

/// Median of values with -1 ("never") sorted last; -1 if more than half never.
long median_tasks(std::vector<long> v);

}  // namespace concord::route

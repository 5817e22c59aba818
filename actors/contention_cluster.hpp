#pragma once
// The contention runs on the actors (issue 13, docs/negotiation.md "Policies on the actors"): the
// contention simulator's workload, arrivals and policies (runtime/contention/), carried out by an
// embedded cluster on a virtual clock — workers with slots beaconing one selector, a tenant ledger
// actor per tenant, every workflow a workflow actor with its own drawn ledger and its own planner
// actor. Nothing here sees all workflows: each planner reads only the posts its tenant and the
// selector answer it (negotiation), as on a multi-node cluster.
//
//   fcfs          MCPP alone (no queue view, no prices); a tenant's refusal or an empty plan is
//                 asked again retry_s later (the simulator's rule);
//   static_split  the same, each workflow's ledger min(own budget, ContentionConfig::static_share_usd());
//   negotiation   the tenant actor posts a money price and the selector a slot price per model
//                 (negotiate::TickedPrice: the simulator's DualPrice configs, ticks and adaptive
//                 pace); before each decision the workflow reads them and each model's queue view
//                 (route::pool_outlook), and its planner plans with them (McppOutlook).
//
// What differs from the simulator, by construction: workers are chosen by the selector's LinUCB
// among screened candidates (the simulator: the worker with the fewest samples); beacons are
// 1 simulated second apart, so queue views and slot demand lag by up to 1 s; a workflow's own
// waiting samples are shown to its planner as started at dispatch (the simulator shows their
// place in the queue); ablations (--no-prices, --no-queue-view) are the simulator's only.
#include "contention/contention_sim.hpp"

namespace concord::actors {

/// One run: the same RunResult as contention::run_contention (launches, price trajectories and
/// ledger message counts are not collected: empty or 0). Throws
/// std::invalid_argument naming the field when config.validate() fails or an ablation is asked.
contention::RunResult run_contention_on_actors(const contention::ContentionWorkload& workload,
                                               const contention::ContentionConfig& config);

}  // namespace concord::actors

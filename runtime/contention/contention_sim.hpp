#pragma once
// The contention simulator (issue 13, docs/negotiation.md "The contention simulator"): many
// workflows, each planned by its own MCPP planner, arrive by a Poisson process
// (contention/arrivals.hpp) and share one pool of workers with finite slots
// (contention/worker_pool.hpp) and their tenants' budgets (ledger::TenantLedger).
//
// Execution follows DESIGN.md §3's runtime semantics, with queues: a workflow's ledger
// (ledger::Ledger drawing from its tenant through a ledger::TenantAccount) reserves each sample's
// worst case before dispatch (all samples of a batch or none); each sample goes to a worker of
// its model and runs when it gets a slot (its draw is the simulator's: exec::sample_seed, token
// cap); the first success ends the batch and cancels its siblings (running ones charged
// pro-rata, waiting ones released); the deadline cancels everything left. A reservation refused
// by the workflow's own budget with nothing running ends the workflow (budget_exhausted); one
// refused by the tenant with nothing running is asked again after retry_s, and so is a negotiating
// workflow whose planner chose to wait (no action beat waiting at the posted prices). A workflow completes
// iff every subtask completes by its own deadline (and, by construction, within its own budget).
//
// Guarantee (by the ledgers, never by a policy): every tenant's committed + reserved <= its
// budget after every event (TenantOutcome::peak_held records the largest seen).
//
// Deterministic: same workload and config, same result (planner wall times excepted), on any
// thread. Planner decisions are timed with a steady clock (reported, never used).
#include <cstdint>
#include <string>
#include <vector>

#include "contention/contention_config.hpp"
#include "contention/price_board.hpp"
#include "eval/grid.hpp"
#include "model/money.hpp"
#include "sim/episode.hpp"

namespace concord::contention {

/// The workflows a run draws from. Every template has the same models, in the same order.
struct ContentionWorkload {
  std::vector<bench::BenchWorkflow> templates;
  std::vector<std::string> models;
  std::vector<double> slot_s;         // per template: sum over subtasks of its reference model's mean latency
  std::vector<double> mean_service_s; // per model: mean latency over the templates' subtasks (beacons' first figure)
};

/// Throws std::invalid_argument when `templates` is empty or their models differ.
ContentionWorkload make_workload(std::vector<bench::BenchWorkflow> templates);

/// The price scales of a run (price_board.hpp): a typical workflow's budget (mean nominal budget
/// x mean budget ratio, dollars) and slot-seconds (mean slot_s).
PriceScales price_scales(const ContentionWorkload& workload, const ContentionConfig& config);

struct WorkflowOutcome {
  int template_index = 0, tenant = 0;
  double arrival_s = 0, deadline_s = 0;  // deadline relative to arrival
  Money budget = 0;                      // its own budget (static_split: its ledger got min(this, share))
  bool completed = false;                // all subtasks done by the deadline (within budget by construction)
  EndReason reason = EndReason::completed;
  double end_s = 0;                      // absolute
  Money spend = 0;                       // committed by its ledger
  int decisions = 0;
  std::int64_t price_reads = 0;          // price posts read (negotiation: 1 money + one per model, per decision)
  std::int64_t ledger_messages = 0;      // requests to its tenant: reserve per sample, commit/release, renew
  double planner_s = 0;                  // wall time of its decisions
  double wait_s = 0;                     // queueing delay summed over its samples that ran
  std::int64_t tenant_refusals = 0;      // batches the tenant refused
  std::int64_t priced_waits = 0;         // negotiation: decisions that launched nothing (waiting beat every action)
};

struct TenantOutcome {
  Money budget = 0;
  Money committed = 0;   // charged over the run
  Money uncovered = 0;   // late commits no budget covered (0: leases outlive every deadline)
  Money peak_held = 0;   // largest committed + reserved seen after any event
};

/// One batch dispatched (its reservation granted): the plans, for comparisons between policies.
struct Launch {
  int workflow = 0, subtask = 0, model = 0, k = 0;
  double time_s = 0;
  friend bool operator==(const Launch&, const Launch&) = default;
};

struct RunResult {
  ContentionPolicy policy = ContentionPolicy::fcfs;
  double arrival_rate_per_s = 0;
  int replicate = 0;
  std::vector<WorkflowOutcome> workflows;  // in arrival order
  std::vector<TenantOutcome> tenants;
  std::vector<double> utilisation;         // per model: busy slot-seconds / (capacity x end_s)
  double end_s = 0;                        // when the last workflow ended
  PriceTrajectory prices;                  // negotiation only
  std::vector<Launch> launches;            // in dispatch order
  /// Hash of every deterministic figure (not the planner times): the determinism check.
  std::uint64_t fingerprint() const;
};

/// One run. Throws std::invalid_argument naming the field when config.validate() fails.
RunResult run_contention(const ContentionWorkload& workload, const ContentionConfig& config);

}  // namespace concord::contention

#pragma once
// The sweep behind `concord bench contention` (issue 13, docs/negotiation.md): every policy at
// every arrival rate, `replicates` runs each (replicate r uses the same arrivals and sample
// draws for every policy and rate: contention/arrivals.hpp), then per (policy, rate):
//
//  - completion: the fraction of a run's workflows completed within their own budget AND
//    deadline, averaged over the replicates, with a 95 % Student-t interval over replicates
//    (workflows of one run share the pool, so they are not independent; replicates are);
//  - the paired difference to fcfs (same replicate), with its 95 % t-interval;
//  - tenant spend / tenant budget (largest over runs and tenants; must be <= 1: run_sweep
//    throws std::logic_error naming the run otherwise), worker utilisation, and per workflow
//    the messages (price posts read + ledger requests), decisions and planner wall time.
//
// Runs go in parallel (TBB, `threads`); results do not depend on the thread count (each run is
// deterministic and aggregation is in a fixed order), planner times excepted.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "contention/contention_sim.hpp"

namespace concord::contention {

struct SweepConfig {
  ContentionConfig base;  // policy, arrival_rate_per_s and replicate are set per run
  std::vector<double> rates;
  std::vector<ContentionPolicy> policies = all_policies();
  int replicates = 10;
  int threads = 0;  // 0: TBB's default
  std::function<void(std::size_t, std::size_t)> progress;  // (runs done, runs in all), serialised
  /// Who carries out a run: empty, the simulator (run_contention); else e.g. the actors
  /// (actors::run_contention_on_actors, `concord bench contention --engine actors`).
  std::function<RunResult(const ContentionWorkload&, const ContentionConfig&)> engine;
};

/// Mean with a two-sided 95 % Student-t interval (n - 1 degrees of freedom; n = 1: [mean, mean]).
struct Interval {
  double mean = 0, lo = 0, hi = 0;
  int n = 0;
};
Interval t_interval(const std::vector<double>& values);

struct SweepCell {
  ContentionPolicy policy = ContentionPolicy::fcfs;
  double rate = 0;
  Interval completion;           // per-replicate completed fraction
  Interval gain_vs_fcfs;         // paired per replicate: this policy's fraction - fcfs's (n = 0 without fcfs)
  double workflows_per_run = 0;
  double spend_ratio_max = 0;    // max over runs and tenants of committed / budget
  double spend_ratio_mean = 0;
  double utilisation = 0;        // mean over runs and models
  double price_reads_per_workflow = 0, ledger_messages_per_workflow = 0;
  double decisions_per_workflow = 0, planner_ms_per_workflow = 0, wait_s_per_workflow = 0;
  double tenant_refusals_per_workflow = 0;
  std::vector<double> completion_by_replicate;
};

struct SweepResult {
  SweepConfig config;
  std::vector<SweepCell> cells;           // rate-major, then policies in config order
  std::vector<RunResult> negotiation_r0;  // per rate: negotiation's replicate 0 (price trajectories)
  double wall_s = 0;
  const SweepCell* find(ContentionPolicy p, double rate) const;
};

/// REQUIRES rates and policies not empty, replicates >= 1 (throws std::invalid_argument).
SweepResult run_sweep(const ContentionWorkload& workload, const SweepConfig& config);

std::string format_csv(const SweepResult& r);
std::string format_table(const SweepResult& r);

}  // namespace concord::contention

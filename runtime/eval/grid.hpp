#pragma once
// The benchmark grid (issue 3, `concord bench`): completion probability of MCPP
// and of the paper's baselines over a budget x deadline grid, N trials per cell
// per workflow, with common random numbers across methods.
//
//  - Trial t of workflow w runs with seed derive_seed(derive_seed(seed, w), t), the
//    same for every method and every cell (the simulator's environment stream).
//  - MCPP: EpisodeConfig{reference, atomic_launch = true, deadline = D}; success iff
//    the episode completed (within budget and D).
//  - Baselines (plan/baselines.hpp), each once per model that runs every subtask of
//    every workflow: EpisodeConfig{reference, atomic_launch = false, deadline = infinity},
//    success iff completed and makespan <= D (as the reference judges them). A
//    baseline run does not depend on D, so it runs once per budget and is judged
//    against every deadline of the grid.
//  - Work is split over (workflow, trial) with TBB; results do not depend on the
//    thread count (every stream is derived from the seed, aggregation is sequential).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/money.hpp"
#include "plan/baselines.hpp"
#include "plan/mcpp_config.hpp"
#include "sim/episodes.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::bench {

/// One axis of the grid: absolute values (dollars / seconds), or ratios of each
/// workflow's nominal budget / deadline (sim/nominal.hpp).
struct Axis {
  bool ratio = true;
  std::vector<double> values;
};

struct BenchWorkflow {
  std::string name;
  FlatWorkflow flat;
  Money nominal_budget = 0;
  double nominal_deadline_s = 0;
};

/// Compiles a workflow and computes its nominal budget and deadline.
BenchWorkflow make_bench_workflow(const std::string& name, const FlatWorkflow& flat);

struct BenchConfig {
  Axis budgets, deadlines;
  int trials = 100;               // per cell per workflow
  std::uint64_t seed = 1;
  int threads = 0;                // 0: TBB's default (all cores)
  bool run_mcpp = true;
  std::vector<BaselineSpec> baselines = all_baselines();
  McppConfig mcpp;                // its seed is replaced per (workflow, trial), see mcpp_seed()
  /// Called after each (workflow, trial) task with (done, total); from worker threads,
  /// serialised by the runner.
  std::function<void(std::size_t, std::size_t)> progress;
};

/// The seed of trial t of workflow w (same for every method and cell).
std::uint64_t trial_seed(std::uint64_t seed, std::size_t workflow, int trial);
/// The planner's seed and the random baseline's Dirichlet seed for that trial.
std::uint64_t mcpp_seed(std::uint64_t trial_seed);
std::uint64_t dirichlet_seed(std::uint64_t trial_seed);

/// Budget (picodollars) and deadline (seconds) of grid value i for a workflow.
Money budget_for(const Axis& axis, std::size_t i, const BenchWorkflow& wf);
double deadline_for(const Axis& axis, std::size_t i, const BenchWorkflow& wf);

struct TimingStats {
  std::int64_t count = 0;
  double mean_s = 0, p50_s = 0, p95_s = 0, max_s = 0;
};
/// Nearest-rank percentiles; `values` is sorted in place.
TimingStats timing_stats(std::vector<double>& values);

/// One baseline (with one model) in one cell.
struct BaselineCell {
  BaselineSpec spec;
  std::string model;  // model id
  Proportion p;
};

struct Cell {
  std::size_t budget_index = 0, deadline_index = 0;
  bool has_mcpp = false;
  Proportion mcpp;
  TimingStats mcpp_decisions;           // wall time of MCPP's decisions in this cell
  std::vector<int> mcpp_by_workflow;    // MCPP successes per workflow (of trials_per_workflow each)
  std::vector<BaselineCell> baselines;  // every (baseline, model), baseline-major in config order
  int best_baseline = -1;               // index into baselines: highest rate, ties to the first
  /// Per baseline spec (config order): index into `baselines` of its best model (ties: first model).
  std::vector<int> best_model_of;
  /// mcpp.rate() - best baseline rate (0 when either is missing).
  double gain() const;
};

struct BenchResult {
  Axis budgets, deadlines;
  std::vector<std::string> workflows;      // names, in order
  std::vector<std::string> models;         // models the baselines ran (run every subtask everywhere)
  int trials_per_workflow = 0;
  int trials_per_cell = 0;                 // workflows x trials
  std::vector<Cell> cells;                 // budget-major: cells[b * deadlines + d]
  TimingStats mcpp_decisions;              // over the whole grid
  double wall_seconds = 0;
  const Cell& cell(std::size_t b, std::size_t d) const { return cells[b * deadlines.values.size() + d]; }
};

/// Picks the best baseline of a cell (and the best model of each baseline) from
/// `cell.baselines`: highest success count, ties to the first in order.
void pick_best(Cell& cell, std::size_t num_specs, std::size_t num_models);

/// Runs the grid. Throws InputError(source = "--methods") when no model can run every
/// subtask of every workflow and baselines were asked for.
BenchResult run_bench(const std::vector<BenchWorkflow>& workflows, const BenchConfig& config);

}  // namespace concord::bench

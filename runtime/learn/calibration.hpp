#pragma once
// The calibration experiment behind `concord bench calibration` (issue 12, docs/learning.md):
// simulated workflows whose true profiles are hidden from a learning MCPP planner. It starts from
// the default per-model priors (default_model_prior: the file's summaries are withheld), learns
// from every sample its runs settle (the posterior persists across the runs of a workflow), plans
// with parameter sets drawn from the posterior, and states at each run's first decision its
// predicted completion probability (the calibrated promise). An oracle planner (the same MCPP
// configuration on the true profiles) runs the same episodes (same seeds, budget and deadline).
// Then: reliability (predicted vs realized, in bins), the expected calibration error, and the
// completion of learner vs oracle by run index.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "learn/posterior.hpp"
#include "model/workflow.hpp"
#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::learn {

/// Every sample of a simulated episode (runtime semantics) as the learner sees it, in launch
/// order: sink(subtask, model, observation). Rebuilt from the trace: sample j of batch `attempt`
/// is the simulator's own draw (exec::sample_seed), after the token cap; it finished iff it ended
/// by its batch's end (else cancelled at the batch's end: a sibling succeeded or the run ended).
void episode_observations(const FlatWorkflow& truth, const EpisodeConfig& config, const EpisodeResult& result,
                          const std::function<void(int, int, const Observation&)>& sink);

/// A budget x deadline cell, as multiples of the workflow's nominal values (sim/nominal.hpp,
/// computed from the true profiles: the user's constraints, not knowledge of the profiles).
struct CalibrationCell {
  double budget_x = 1, deadline_x = 1;
};

struct CalibrationConfig {
  int runs_per_workflow = 50;
  std::uint64_t seed = 1;
  std::string planner = "best";  // mcpp_preset spec of both planners
  int promise_rollouts = 1024;   // McppConfig::promise_rollouts of both planners
  int posterior_sets = 64;       // parameter sets drawn from the posterior per run (0: plan with the posterior mean)
  int threads = 0;               // workflows run in parallel (results do not depend on it)
  bool learn = true;             // false: the posterior never updates (priors only; a control)
  /// Cells by dag_kind ("proofflow", "codeflow"; others use "default"); run r of workflow w
  /// uses cell (w + r) mod |cells|. Defaults: the grids of docs/mcpp.md.
  std::vector<std::pair<std::string, std::vector<CalibrationCell>>> cells = default_cells();
  static std::vector<std::pair<std::string, std::vector<CalibrationCell>>> default_cells();
};

struct CalibrationRun {
  int workflow = 0, run = 0;  // run index within its workflow, 0-based
  double budget_x = 0, deadline_x = 0;
  double predicted = 0;  // learner's promise at the first decision (raw: the planner's rollouts)
  double calibrated = 0;  // the same through the PromiseCalibrator fitted on every earlier run (all workflows)
  bool completed = false;
  double oracle_predicted = 0;
  bool oracle_completed = false;
  std::int64_t samples_learned = 0;  // settled samples folded into the posterior after this run
};

/// Runs the experiment; progress(done, total) after every round (may be empty). Rounds: run r of
/// every workflow (in parallel), then the promise calibrator is refitted on the learner's outcomes
/// of runs 0..r of all workflows, for run r + 1 (prequential: a run's calibrated promise never
/// depends on its own outcome). Deterministic: same workflows and config, same result, on any
/// number of threads.
std::vector<CalibrationRun> run_calibration(const std::vector<Workflow>& truths, const CalibrationConfig& config,
                                            const std::function<void(int, int)>& progress = {});

struct ReliabilityBin {
  double lo = 0, hi = 0;   // predicted in [lo, hi) (the last bin includes 1)
  std::int64_t count = 0;
  double mean_predicted = 0, realized = 0;
  double ci_lo = 0, ci_hi = 0;  // Wilson 95 % interval of the realized rate
};

/// Equal-width bins over [0, 1] of (predicted, realized) pairs.
std::vector<ReliabilityBin> reliability(const std::vector<std::pair<double, bool>>& points, int bins = 10);
/// Count-weighted mean |realized - mean predicted| over the bins.
double expected_calibration_error(const std::vector<ReliabilityBin>& bins);
/// What the ECE of a perfectly calibrated predictor stays below with probability >= 1 - delta on n
/// points in `bins` bins, given the predictions (outcomes Bernoulli(predicted)):
/// E[ECE] <= sum_b (n_b/n) sqrt(p_b(1-p_b)/n_b) <= sqrt(bins / n) / 2 (Jensen, Cauchy-Schwarz), plus
/// McDiarmid's deviation sqrt(ln(1/delta) / (2n)) (one outcome moves the ECE by at most 1/n).
/// (Calibrated, a bin's expected realized rate is its mean prediction, whatever the spread within it.)
double ece_noise_bound(std::int64_t n, int bins, double delta);

/// The ECE a perfectly calibrated predictor would show on these predictions (outcomes drawn
/// Bernoulli(predicted), `replicates` times from Rng(seed)): {mean, `quantile` quantile}. An observed
/// ECE above the 0.95 quantile is significant miscalibration at the 5 % level.
std::pair<double, double> ece_if_calibrated(const std::vector<std::pair<double, bool>>& points, int bins, int replicates,
                                            std::uint64_t seed, double quantile = 0.95);

/// Wilson 95 % interval of k successes in n.
std::pair<double, double> wilson95(std::int64_t k, std::int64_t n);

}  // namespace concord::learn

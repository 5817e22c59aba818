// The calibrated promise (runtime/learn/promise_calibrator.hpp, calibration.hpp): reliability bins
// and ECE against hand-computed values, the recalibration's fit, episode observations, and a
// small calibration run whose ECE stays below a bound derived from its sample size.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "learn/calibration.hpp"
#include "learn/promise_calibrator.hpp"
#include "plan/mcpp_config.hpp"
#include "plan/mcpp_planner.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/proofflow.hpp"

namespace concord::learn {
namespace {

TEST(LearnCalibration, ReliabilityAndEceMatchHandComputedValues) {
  // Bin [0.1, 0.2): predictions 0.1, 0.15, outcomes 1, 0 -> mean 0.125, realized 0.5.
  // Bin [0.9, 1.0]: predictions 0.9, 1.0, outcomes 1, 1 -> mean 0.95, realized 1.
  const std::vector<std::pair<double, bool>> pts = {{0.1, true}, {0.15, false}, {0.9, true}, {1.0, true}};
  const auto bins = reliability(pts, 10);
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_EQ(bins[1].count, 2);
  EXPECT_DOUBLE_EQ(bins[1].mean_predicted, 0.125);
  EXPECT_DOUBLE_EQ(bins[1].realized, 0.5);
  EXPECT_EQ(bins[9].count, 2);  // 1.0 falls in the last bin
  EXPECT_DOUBLE_EQ(bins[9].mean_predicted, 0.95);
  // ECE = (2 x 0.375 + 2 x 0.05) / 4.
  EXPECT_NEAR(expected_calibration_error(bins), (2 * 0.375 + 2 * 0.05) / 4, 1e-12);
}

TEST(LearnCalibration, CalibratorIsTheIdentityWithoutHistoryAndRecoversAShift) {
  PromiseCalibrator c;
  EXPECT_NEAR(c.apply(0.3), 0.3, 1e-12);
  c.fit();
  EXPECT_NEAR(c.apply(0.3), 0.3, 1e-12);
  // Outcomes from sigmoid(logit(q) + 1): a predictor that is too pessimistic by one logit.
  Rng rng(3);
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double q = 0.05 + 0.9 * rng.uniform();
    const double truth = 1 / (1 + std::exp(-(std::log(q / (1 - q)) + 1)));
    c.add(q, rng.uniform() < truth);
  }
  c.fit();
  // Standard errors of (a, b) at n = 20000 are ~0.03; 5 of them.
  EXPECT_NEAR(c.a(), 1.0, 0.15);
  EXPECT_NEAR(c.b(), 1.0, 0.15);
}

TEST(LearnCalibration, EpisodeObservationsAreTheSimulatorsSamples) {
  WorkloadOptions o;
  o.datasets_dir = testing::datasets_dir();
  o.samples_per_profile = 0;
  const Workflow wf = build_proofflow(o).workflows.at(4);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  McppPlanner p(flat, mcpp_preset("best"));
  EpisodeConfig ec;
  ec.budget = nominal_budget(flat) / 5;
  ec.deadline_s = nominal_deadline_s(flat) * 0.55;
  ec.seed = 9;
  Simulator sim(flat);
  const EpisodeResult r = sim.run(p, ec);
  // Per batch, the counts the simulator traced: finished successes / failures, truncated, cancelled.
  std::size_t batch = 0;
  int seen = 0, ok = 0, failed = 0, cancelled = 0, truncated = 0;
  auto flush = [&] {
    const AttemptTrace& t = r.attempts[batch];
    EXPECT_EQ(ok, t.successes) << batch;
    EXPECT_EQ(failed, t.failures) << batch;
    EXPECT_EQ(truncated, t.truncated) << batch;
    EXPECT_EQ(cancelled, t.cancelled) << batch;
    ++batch;
    seen = ok = failed = cancelled = truncated = 0;
  };
  episode_observations(flat, ec, r, [&](int s, int m, const Observation& x) {
    EXPECT_EQ(s, r.attempts[batch].subtask);
    EXPECT_EQ(m, r.attempts[batch].model);
    ok += x.end == SampleEnd::finished && x.success;
    failed += x.end != SampleEnd::cancelled && !x.success;
    truncated += x.end == SampleEnd::truncated;
    cancelled += x.end == SampleEnd::cancelled;
    if (++seen == r.attempts[batch].k) flush();
  });
  EXPECT_EQ(batch, r.attempts.size());
}

TEST(LearnCalibration, SmallCalibrationRunIsCalibratedWithinItsSampleSizeBound) {
  // 4 ProofFlow + 4 CodeFlow workflows x 25 runs = 200 runs, learning from default priors.
  WorkloadOptions o;
  o.datasets_dir = testing::datasets_dir();
  o.samples_per_profile = 0;
  std::vector<Workflow> wfs;
  for (const Workflow& w : build_proofflow(o).workflows)
    if (wfs.size() < 4 && w.subtasks.size() <= 6) wfs.push_back(w);
  for (const Workflow& w : build_codeflow(o).workflows)
    if (wfs.size() < 8 && w.subtasks.size() >= 2) wfs.push_back(w);
  ASSERT_EQ(wfs.size(), 8u);
  CalibrationConfig cfg;
  cfg.runs_per_workflow = 25;
  cfg.planner = "best";
  cfg.promise_rollouts = 512;
  cfg.posterior_sets = 32;
  const auto runs = run_calibration(wfs, cfg);
  ASSERT_EQ(runs.size(), 200u);
  std::vector<std::pair<double, bool>> cal;
  for (const auto& r : runs) cal.emplace_back(r.calibrated, r.completed);
  // Bound: the miscalibration the issue accepts (0.05) plus the ECE sampling noise alone gives a
  // perfectly calibrated predictor making these 200 predictions, at its 99.9 % quantile (2000
  // replicates). (The distribution-free ece_noise_bound is looser, 0.24 at 200 runs.)
  const double noise = ece_if_calibrated(cal, 10, 2000, 77, 0.999).second;
  const double ece = expected_calibration_error(reliability(cal, 10));
  EXPECT_LT(ece, 0.05 + noise) << "noise quantile " << noise;
  EXPECT_LT(noise, ece_noise_bound(static_cast<std::int64_t>(cal.size()), 10, 1e-3));
  std::cout << "small calibration run: ECE " << ece << ", bound 0.05 + " << noise << "\n";
  // And the learner completes about as often as the oracle on the same episodes: the paired mean
  // difference is above -0.05 minus 3.29 of its standard errors (99.9 %, one-sided ~99.95 %).
  const double n = static_cast<double>(runs.size());
  double sum = 0, sumsq = 0;
  for (const auto& r : runs) {
    const double d = static_cast<double>(r.completed) - static_cast<double>(r.oracle_completed);
    sum += d, sumsq += d * d;
  }
  const double mean = sum / n, se = std::sqrt(std::max(0.0, sumsq / n - mean * mean) / (n - 1));
  EXPECT_GT(mean, -0.05 - 3.29 * se);
}

}  // namespace
}  // namespace concord::learn

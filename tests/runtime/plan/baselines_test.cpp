// The paper's baselines (plan/baselines.hpp) against allocations computed by hand
// from the reference's formulas: r_v = max(1, floor(b_v / c_v)).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/validate.hpp"
#include "plan/baselines.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using testing::model;
using testing::subtask;

// a -> b, a -> c. Model m: 1 $ per 1M tokens = 1e6 picodollars per token; model n: twice that.
//   a: p = 0.50, mean latency 2 s, 100 tokens  -> c = 1e8 pico with m
//   b: p = 0.75, mean latency 4 s, 200 tokens  -> c = 2e8 pico
//   c: p = 0.25, mean latency 1 s, 100 tokens  -> c = 1e8 pico
Workflow fork() {
  Workflow wf;
  wf.models = {model("m", 1.0), model("n", 2.0)};
  std::vector<Sample> a{{1.0, true, 100}, {3.0, false, 100}};
  std::vector<Sample> b{{4.0, true, 200}, {4.0, true, 200}, {4.0, true, 200}, {4.0, false, 200}};
  std::vector<Sample> c{{1.0, false, 100}, {1.0, false, 100}, {1.0, false, 100}, {1.0, true, 100}};
  wf.subtasks = {subtask("a", {}, "m", a), subtask("b", {"a"}, "m", b), subtask("c", {"a"}, "m", c)};
  wf.subtasks[0].profiles["n"].samples = a;
  wf.subtasks[1].profiles["n"].samples = b;
  wf.subtasks[2].profiles["n"].samples = c;
  validate_workflow(wf, "test");
  return wf;
}

constexpr Money kBudget = 10'000'000'000;  // $0.01

std::vector<int> alloc(const FlatWorkflow& f, BaselineSpec spec, int m = 0, Money budget = kBudget) {
  return baseline_allocation(f, spec, m, budget, 1);
}

TEST(Baselines, NamesAndOrderAreTheReferences) {
  std::vector<std::string> names;
  for (const auto& b : all_baselines()) names.push_back(b.name());
  EXPECT_EQ(names, (std::vector<std::string>{"sequential_1", "sequential_2", "sequential_4", "sequential_8", "sequential_16",
                                             "sequential_32", "sequential_64", "uniform", "random", "latency_weighted",
                                             "success_rate_weighted", "critical_path_static"}));
  EXPECT_EQ(baseline_by_name("sequential"), (BaselineSpec{BaselineKind::sequential, 1}));
  EXPECT_EQ(baseline_by_name("sequential_16"), (BaselineSpec{BaselineKind::sequential, 16}));
  EXPECT_FALSE(baseline_by_name("sequential_3"));
}

TEST(Baselines, SequentialGivesWidthEverywhere) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  EXPECT_EQ(alloc(f, {BaselineKind::sequential, 8}), (std::vector<int>{8, 8, 8}));
}

TEST(Baselines, UniformSplitsTheBudgetEvenly) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  // B/3 = 3.33e9: floor(3.33e9 / 1e8) = 33, / 2e8 = 16, / 1e8 = 33.
  EXPECT_EQ(alloc(f, {BaselineKind::uniform}), (std::vector<int>{33, 16, 33}));
  // Model n costs twice as much per sample.
  EXPECT_EQ(alloc(f, {BaselineKind::uniform}, 1), (std::vector<int>{16, 8, 16}));
}

TEST(Baselines, LatencyWeightedSharesFollowMeanLatency) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  // weights 2, 4, 1 (sum 7): 2.857e9 / 1e8 = 28, 5.714e9 / 2e8 = 28, 1.429e9 / 1e8 = 14.
  EXPECT_EQ(alloc(f, {BaselineKind::latency_weighted}), (std::vector<int>{28, 28, 14}));
}

TEST(Baselines, SuccessRateWeightedSharesFollowFailureProbability) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  // weights 1-p = 0.5, 0.25, 0.75 (sum 1.5): 3.33e9 / 1e8 = 33, 1.67e9 / 2e8 = 8, 5e9 / 1e8 = 50.
  EXPECT_EQ(alloc(f, {BaselineKind::success_rate_weighted}), (std::vector<int>{33, 8, 50}));
}

TEST(Baselines, CriticalPathStaticSharesFollowLongestPathToASink) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  EXPECT_EQ(longest_latency_to_sink(f, 0), (std::vector<double>{6.0, 4.0, 1.0}));
  // weights 6, 4, 1 (sum 11): 5.45e9 / 1e8 = 54, 3.64e9 / 2e8 = 18, 9.09e8 / 1e8 = 9.
  EXPECT_EQ(alloc(f, {BaselineKind::critical_path_static}), (std::vector<int>{54, 18, 9}));
}

TEST(Baselines, AtLeastOneSampleAndAtMostTheSimulatorLimit) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  EXPECT_EQ(alloc(f, {BaselineKind::uniform}, 0, 1000), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(alloc(f, {BaselineKind::uniform}, 0, money_from_dollars(1000.0)),
            (std::vector<int>{kMaxSamplesPerAssignment, kMaxSamplesPerAssignment, kMaxSamplesPerAssignment}));
}

TEST(Baselines, RandomSharesAreADirichletDrawFixedBySeed) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  const auto s1 = baseline_shares(f, BaselineKind::random, 0, kBudget, 11);
  const auto s2 = baseline_shares(f, BaselineKind::random, 0, kBudget, 11);
  const auto s3 = baseline_shares(f, BaselineKind::random, 0, kBudget, 12);
  EXPECT_EQ(s1, s2);
  EXPECT_NE(s1, s3);
  double sum = 0;
  for (double x : s1) {
    EXPECT_GT(x, 0);
    sum += x;
  }
  EXPECT_NEAR(sum, static_cast<double>(kBudget), 1.0);
  // r_v = floor(b_v / c_v) of those shares.
  const auto r = baseline_allocation(f, {BaselineKind::random}, 0, kBudget, 11);
  EXPECT_EQ(r[0], std::max(1, static_cast<int>(std::floor(s1[0] / 1e8))));
  EXPECT_EQ(r[1], std::max(1, static_cast<int>(std::floor(s1[1] / 2e8))));
  // Dirichlet(1,1,1): each fraction has mean 1/3 and variance (1/3)(2/3)/4 = 1/18.
  // Over 4000 seeds the mean's standard error is sqrt(1/18/4000) = 0.0037: 5 sigma = 0.019.
  double mean0 = 0;
  const int n = 4000;
  for (int seed = 0; seed < n; ++seed) mean0 += baseline_shares(f, BaselineKind::random, 0, kBudget, seed)[0] / kBudget;
  EXPECT_NEAR(mean0 / n, 1.0 / 3.0, 0.019);
}

TEST(Baselines, ModelMustRunEverySubtask) {
  Workflow wf = fork();
  wf.subtasks[2].profiles.erase("n");
  validate_workflow(wf, "test");
  const FlatWorkflow f = FlatWorkflow::compile(wf);
  EXPECT_TRUE(model_runs_all(f, 0));
  EXPECT_FALSE(model_runs_all(f, 1));
  EXPECT_THROW(BaselinePolicy(f, {BaselineKind::uniform}, 1, kBudget), std::invalid_argument);
}

// A subtask that always fails: static baselines launch it once and never retry
// (the episode stalls); sequential_w retries until the budget runs out.
Workflow hopeless() {
  Workflow wf;
  wf.models = {model("m", 1.0)};
  wf.subtasks = {subtask("a", {}, "m", {{1.0, true, 100}}), subtask("b", {"a"}, "m", {{2.0, false, 100}})};
  validate_workflow(wf, "test");
  return wf;
}

EpisodeConfig baseline_config(Money budget) {
  EpisodeConfig c;
  c.semantics = Semantics::reference;
  c.atomic_launch = false;
  c.deadline_s = std::numeric_limits<double>::infinity();
  c.budget = budget;
  c.seed = 3;
  return c;
}

TEST(Baselines, StaticBaselinesLaunchOnceAndNeverRetry) {
  const FlatWorkflow f = FlatWorkflow::compile(hopeless());
  // B = 2e9 pico: uniform share 1e9 per subtask, c = 1e8: r = 10 each.
  BaselinePolicy p(f, {BaselineKind::uniform}, 0, 2'000'000'000);
  EXPECT_EQ(p.allocation(), (std::vector<int>{10, 10}));
  EXPECT_EQ(p.name(), "uniform@m");
  Simulator sim(f);
  const EpisodeResult r = sim.run(p, baseline_config(2'000'000'000));
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.reason, EndReason::stalled);
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].k, 10);
  EXPECT_EQ(r.attempts[1].k, 10);
  EXPECT_EQ(r.spend, 2'000'000'000);
  // The same policy object runs a second episode from scratch (reset).
  const EpisodeResult again = sim.run(p, baseline_config(2'000'000'000));
  EXPECT_EQ(again.attempts.size(), 2u);
}

TEST(Baselines, SequentialRetriesUntilTheBudgetRunsOut) {
  const FlatWorkflow f = FlatWorkflow::compile(hopeless());
  BaselinePolicy p(f, {BaselineKind::sequential, 4}, 0, 2'000'000'000);
  Simulator sim(f);
  const EpisodeResult r = sim.run(p, baseline_config(2'000'000'000));
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.reason, EndReason::budget_exhausted);
  // 20 samples affordable: a takes 4, then b gets 4 per batch: 4 full batches.
  ASSERT_GE(r.attempts.size(), 5u);
  EXPECT_EQ(r.attempts[0].k, 4);
  EXPECT_EQ(r.spend, 2'000'000'000);
  for (std::size_t i = 1; i < r.attempts.size(); ++i) EXPECT_EQ(r.attempts[i].subtask, 1);
}

TEST(Baselines, CompletesWhenSamplesSucceed) {
  const FlatWorkflow f = FlatWorkflow::compile(fork());
  for (const auto& spec : all_baselines()) {
    BaselinePolicy p(f, spec, 0, kBudget, 5);
    Simulator sim(f);
    const EpisodeResult r = sim.run(p, baseline_config(kBudget));
    // With >= 8 samples per subtask at p >= 0.25 failure is possible but rare; with
    // sequential retries it cannot fail before the budget: only check consistency.
    if (r.completed) {
      EXPECT_EQ(r.subtasks_done, 3) << spec.name();
    }
    EXPECT_LE(r.spend, kBudget) << spec.name();
  }
}

}  // namespace
}  // namespace concord

// Hand-computed tiny workflows, one per semantic rule of DESIGN.md §3.
// Prices are 1e4 $ per 1M tokens (the largest accepted) = 0.01 $ per token, and usd(x) is
// x tokens' worth, so costs read as token counts.
#include <gtest/gtest.h>

#include <cmath>

#include "model/validate.hpp"
#include "plan/simple_policies.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using testing::model;
using testing::subtask;

constexpr double kDollarPerToken = 1e4;  // $ per 1M tokens
Money usd(double tokens) { return money_from_dollars(tokens * kDollarPerToken / 1e6); }

EpisodeConfig config(Semantics sem, double budget, double deadline = std::numeric_limits<double>::infinity(), std::uint64_t seed = 7) {
  EpisodeConfig c;
  c.semantics = sem;
  c.budget = usd(budget);
  c.deadline_s = deadline;
  c.seed = seed;
  return c;
}

/// Plays a fixed list of (model, k) per attempt number, the same for every subtask.
class ScriptedPolicy final : public Policy {
 public:
  explicit ScriptedPolicy(std::vector<std::pair<int, int>> per_attempt) : script_(std::move(per_attempt)) {}
  std::string name() const override { return "scripted"; }
  void decide(const SimState& st, Rng&, std::vector<Assignment>& out) override {
    for (int s : st.dispatchable) {
      const auto i = std::min<std::size_t>(static_cast<std::size_t>(st.attempts[s]), script_.size() - 1);
      out.push_back({s, script_[i].first, script_[i].second});
    }
  }

 private:
  std::vector<std::pair<int, int>> script_;
};

Workflow single(std::vector<Sample> samples, std::optional<std::int64_t> cap = std::nullopt) {
  Workflow wf;
  wf.models = {model("m", kDollarPerToken, cap)};
  wf.subtasks = {subtask("a", {}, "m", std::move(samples))};
  validate_workflow(wf, "test");
  return wf;
}

EpisodeResult run(const Workflow& wf, Policy& policy, const EpisodeConfig& cfg) {
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  Simulator sim(flat);
  return sim.run(policy, cfg);
}

TEST(SimulatorReference, AtomicLaunchFailsWhenTheActionCostsMoreThanTheBudgetLeft) {
  const Workflow wf = single({{1.0, true, 4}});
  ScriptedPolicy three({{0, 3}});  // 3 samples x 4 tokens = $12 > $10
  const auto r = run(wf, three, config(Semantics::reference, 10));
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.reason, EndReason::budget_exhausted);
  EXPECT_EQ(r.spend, 0);           // nothing was launched
  EXPECT_TRUE(r.attempts.empty());
  EXPECT_DOUBLE_EQ(r.makespan_s, 0.0);

  ScriptedPolicy two({{0, 2}});  // $8 <= $10
  const auto ok = run(wf, two, config(Semantics::reference, 10));
  EXPECT_TRUE(ok.completed);
  EXPECT_EQ(ok.spend, usd(8));
}

TEST(SimulatorReference, AtomicLaunchFailsWhenTheSlowestSampleWouldEndAfterTheDeadline) {
  const Workflow wf = single({{5.0, true, 1}});
  ScriptedPolicy one({{0, 1}});
  const auto late = run(wf, one, config(Semantics::reference, 100, 4.0));
  EXPECT_EQ(late.reason, EndReason::deadline_exhausted);
  EXPECT_EQ(late.spend, 0);
  const auto on_time = run(wf, one, config(Semantics::reference, 100, 5.0));  // ends exactly at the deadline
  EXPECT_TRUE(on_time.completed);
  EXPECT_DOUBLE_EQ(on_time.makespan_s, 5.0);
}

TEST(SimulatorReference, ActionIsCheckedAsAWholeAcrossSubtasks) {
  Workflow wf;
  wf.models = {model("m", kDollarPerToken)};
  wf.subtasks = {subtask("a", {}, "m", {{1.0, true, 6}}), subtask("b", {}, "m", {{1.0, true, 6}})};
  ScriptedPolicy one({{0, 1}});
  const auto r = run(wf, one, config(Semantics::reference, 10));  // each $6 fits alone, $12 together does not
  EXPECT_EQ(r.reason, EndReason::budget_exhausted);
  EXPECT_EQ(r.spend, 0);
}

Workflow fail_then_succeed() {
  Workflow wf;
  wf.models = {model("bad", kDollarPerToken), model("good", kDollarPerToken)};
  Subtask a = subtask("a", {}, "bad", {{1.0, false, 3}});
  a.profiles["good"].samples = {{2.0, true, 5}};
  wf.subtasks = {a, subtask("b", {"a"}, "bad", {{1.0, true, 1}})};  // "bad" succeeds on b
  validate_workflow(wf, "test");
  return wf;
}

TEST(SimulatorBothSemantics, SubtaskIsRetriedAfterAllItsSamplesFail) {
  const Workflow wf = fail_then_succeed();
  for (Semantics sem : {Semantics::reference, Semantics::runtime}) {
    ScriptedPolicy bad_then_good({{0, 2}, {1, 1}});
    const auto r = run(wf, bad_then_good, config(sem, 100));
    ASSERT_TRUE(r.completed) << to_string(sem);
    ASSERT_EQ(r.attempts.size(), 3u);
    EXPECT_EQ(r.attempts[0].subtask, 0);
    EXPECT_EQ(r.attempts[0].failures, 2);
    EXPECT_FALSE(r.attempts[0].succeeded);
    EXPECT_DOUBLE_EQ(r.attempts[0].end_s, 1.0);
    EXPECT_EQ(r.attempts[1].attempt, 2);  // the retry, with the other model
    EXPECT_EQ(r.attempts[1].model, 1);
    EXPECT_DOUBLE_EQ(r.attempts[1].start_s, 1.0);
    EXPECT_TRUE(r.attempts[1].succeeded);
    EXPECT_EQ(r.attempts[2].subtask, 1);  // b starts when a completes
    EXPECT_DOUBLE_EQ(r.attempts[2].start_s, 3.0);
    EXPECT_DOUBLE_EQ(r.makespan_s, 4.0);
    EXPECT_EQ(r.spend, usd(2 * 3 + 5 + 2 * 1));
    EXPECT_EQ(r.decisions, 3);
  }
}

// Two recorded samples: fast success (1 s, 10 tokens) and slow failure (5 s, 50 tokens).
// With k = 64, both kinds are drawn (for this seed) and the semantics differ.
Workflow fast_success_slow_failure() { return single({{1.0, true, 10}, {5.0, false, 50}}); }

TEST(SimulatorReference, BatchEndsAtItsSlowestSampleAndEverySampleIsCharged) {
  ScriptedPolicy k64({{0, 64}});
  const auto r = run(fast_success_slow_failure(), k64, config(Semantics::reference, 1e4));
  ASSERT_TRUE(r.completed);
  const auto& a = r.attempts.at(0);
  ASSERT_GT(a.successes, 0);
  ASSERT_GT(a.failures, 0);
  EXPECT_EQ(a.successes + a.failures, 64);
  EXPECT_DOUBLE_EQ(a.end_s, 5.0);  // not cancelled on the first success
  EXPECT_DOUBLE_EQ(r.makespan_s, 5.0);
  EXPECT_EQ(r.spend, usd(10.0 * a.successes + 50.0 * a.failures));
  EXPECT_EQ(a.cancelled, 0);
}

TEST(SimulatorRuntime, FirstSuccessCancelsSiblingsChargedProRata) {
  ScriptedPolicy k64({{0, 64}});
  const auto r = run(fast_success_slow_failure(), k64, config(Semantics::runtime, 1e4));
  ASSERT_TRUE(r.completed);
  const auto& a = r.attempts.at(0);
  ASSERT_GT(a.cancelled, 0);
  EXPECT_EQ(a.successes + a.cancelled, 64);
  EXPECT_EQ(a.failures, 0);
  EXPECT_DOUBLE_EQ(a.end_s, 1.0);
  // Successes: 10 tokens each; cancelled slow samples ran 1 s of 5 s: 50 x 1/5 = 10 tokens each.
  EXPECT_EQ(r.spend, usd(10.0 * 64));
}

TEST(SimulatorRuntime, TokenCapTruncatesASampleIntoAFailure) {
  // Cap 20 tokens; the only sample wants 40 tokens over 4 s: it stops at 2 s, failed, charged 20.
  const Workflow wf = single({{4.0, true, 40}}, 20);
  ScriptedPolicy one({{0, 1}});
  const auto r = run(wf, one, config(Semantics::runtime, 50));
  // Attempts 1 and 2 are truncated ($20 each); the third reservation ($20) does not fit in $50 - $40.
  EXPECT_EQ(r.reason, EndReason::budget_exhausted);
  ASSERT_EQ(r.attempts.size(), 2u);
  for (const auto& a : r.attempts) {
    EXPECT_EQ(a.truncated, 1);
    EXPECT_EQ(a.failures, 1);
    EXPECT_FALSE(a.succeeded);
    EXPECT_EQ(a.cost, usd(20));
    EXPECT_DOUBLE_EQ(a.end_s - a.start_s, 2.0);
  }
  EXPECT_EQ(r.spend, usd(40));
  EXPECT_DOUBLE_EQ(r.makespan_s, 4.0);

  // Reference semantics know no cap: the same sample succeeds.
  const auto ref = run(wf, one, config(Semantics::reference, 50));
  EXPECT_TRUE(ref.completed);
  EXPECT_EQ(ref.spend, usd(40));
}

TEST(SimulatorRuntime, DeadlineCancelsInFlightSamplesChargedProRata) {
  const Workflow wf = single({{10.0, true, 100}});
  ScriptedPolicy one({{0, 1}});
  const auto r = run(wf, one, config(Semantics::runtime, 1000, 4.0));
  EXPECT_EQ(r.reason, EndReason::deadline_exhausted);
  EXPECT_DOUBLE_EQ(r.makespan_s, 4.0);
  EXPECT_EQ(r.spend, usd(40));  // 100 tokens x 4/10
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].cancelled, 1);
  EXPECT_FALSE(r.attempts[0].finished);
}

TEST(SimulatorRuntime, DeniedReservationWaitsForInFlightSamplesToRelease) {
  // Cap 20 -> $20 reserved per sample; actual use 10. Budget 30: a and b cannot both be reserved at t = 0.
  Workflow wf;
  wf.models = {model("m", kDollarPerToken, 20)};
  wf.subtasks = {subtask("a", {}, "m", {{1.0, true, 10}}), subtask("b", {}, "m", {{1.0, true, 10}})};
  ScriptedPolicy one({{0, 1}});
  const auto r = run(wf, one, config(Semantics::runtime, 30));
  ASSERT_TRUE(r.completed);
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_DOUBLE_EQ(r.attempts[1].start_s, 1.0);  // b waited for a's release
  EXPECT_DOUBLE_EQ(r.makespan_s, 2.0);
  EXPECT_EQ(r.spend, usd(20));
}

TEST(SimulatorRuntime, BudgetExhaustedWhenNothingInFlightCanRelease) {
  const Workflow wf = single({{1.0, true, 10}}, 20);
  ScriptedPolicy one({{0, 1}});
  const auto r = run(wf, one, config(Semantics::runtime, 19.99));
  EXPECT_EQ(r.reason, EndReason::budget_exhausted);
  EXPECT_EQ(r.spend, 0);
}

TEST(Simulator, ChildIsReadyOnlyWhenAllParentsComplete) {
  Workflow wf;
  wf.models = {model("m", kDollarPerToken)};
  wf.subtasks = {subtask("a", {}, "m", {{1.0, true, 1}}), subtask("b", {}, "m", {{3.0, true, 1}}),
                 subtask("c", {"a", "b"}, "m", {{1.0, true, 1}})};
  for (Semantics sem : {Semantics::reference, Semantics::runtime}) {
    ScriptedPolicy one({{0, 1}});
    const auto r = run(wf, one, config(sem, 100));
    ASSERT_TRUE(r.completed);
    ASSERT_EQ(r.attempts.size(), 3u);
    EXPECT_EQ(r.attempts[2].subtask, 2);
    EXPECT_DOUBLE_EQ(r.attempts[2].start_s, 3.0);
    EXPECT_DOUBLE_EQ(r.makespan_s, 4.0);
  }
}

TEST(Simulator, InvalidPolicyActionsAreRejected) {
  const Workflow wf = single({{1.0, true, 1}});
  ScriptedPolicy zero({{0, 0}});
  EXPECT_THROW(run(wf, zero, config(Semantics::runtime, 100)), std::logic_error);
  ScriptedPolicy bad_model({{5, 1}});
  EXPECT_THROW(run(wf, bad_model, config(Semantics::runtime, 100)), std::logic_error);

  class Nothing final : public Policy {
   public:
    std::string name() const override { return "nothing"; }
    void decide(const SimState&, Rng&, std::vector<Assignment>&) override {}
  } nothing;
  EXPECT_THROW(run(wf, nothing, config(Semantics::reference, 100)), std::logic_error);  // reference: no deferral
  const auto r = run(wf, nothing, config(Semantics::runtime, 100));
  EXPECT_EQ(r.reason, EndReason::stalled);
}

TEST(Simulator, ParametricProfilesAreDrawnWhenNoSamplesExist) {
  Workflow wf;
  wf.models = {model("m", kDollarPerToken)};
  Subtask s;
  s.id = "a";
  s.profiles["m"].parametric = ParametricProfile{1.0, 2.0, 0.0, 7.0};
  wf.subtasks = {s};
  ScriptedPolicy one({{0, 1}});
  const auto r = run(wf, one, config(Semantics::reference, 100));
  ASSERT_TRUE(r.completed);
  EXPECT_NEAR(r.makespan_s, 2.0, 1e-3);  // std 0: the mean (the reference floors the log-std at 3e-5)
  EXPECT_EQ(r.spend, usd(7));             // the mean tokens are charged
}

TEST(Simulator, ParametricLatencyIsLognormalWithTheGivenMeanAndStd) {
  Workflow wf;
  wf.models = {model("m", kDollarPerToken)};
  Subtask s;
  s.id = "a";
  s.profiles["m"].parametric = ParametricProfile{0.3, 10.0, 4.0, 100.0};
  wf.subtasks = {s};
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  Rng rng(3);
  const int n = 40000;
  double sum = 0, sq = 0, ok = 0, below_mean = 0;
  for (int i = 0; i < n; ++i) {
    const Draw d = flat.draw(0, 0, rng);
    sum += d.latency_s;
    sq += d.latency_s * d.latency_s;
    ok += d.success;
    below_mean += d.latency_s < 10.0;
    ASSERT_EQ(d.output_tokens, 100);
  }
  const double mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
  EXPECT_NEAR(mean, 10.0, 4 * 4.0 / std::sqrt(n));     // 4 standard errors
  EXPECT_NEAR(sd, 4.0, 0.1);
  EXPECT_NEAR(ok / n, 0.3, 4 * std::sqrt(0.21 / n));
  EXPECT_GT(below_mean / n, 0.55);  // right-skewed, unlike a normal
}

TEST(SimulatorReference, PerSampleLaunchKeepsTheSamplesTheBudgetCovers) {
  const Workflow wf = single({{1.0, true, 4}});
  ScriptedPolicy three({{0, 3}});
  EpisodeConfig cfg = config(Semantics::reference, 10);
  cfg.atomic_launch = false;  // the reference's launch for its baselines
  const auto r = run(wf, three, cfg);
  ASSERT_TRUE(r.completed);
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].k, 2);  // the third $4 sample did not fit in $10
  EXPECT_EQ(r.spend, usd(8));
}

TEST(SimulatorReference, PartialSuccessOfARunningBatchIsVisibleToThePolicy) {
  // a: one fast success and one slow failure (k = 64 draws both); b finishes in between.
  Workflow wf;
  wf.models = {model("m", kDollarPerToken)};
  wf.subtasks = {subtask("a", {}, "m", {{1.0, true, 1}, {5.0, false, 1}}), subtask("b", {}, "m", {{2.0, false, 1}})};
  class Probe final : public Policy {
   public:
    std::string name() const override { return "probe"; }
    void decide(const SimState& st, Rng&, std::vector<Assignment>& out) override {
      if (st.now_s == 2.0) {
        seen_partial = st.partial_success[0] == 1;
        for (const auto& f : st.in_flight) all_unfinished = all_unfinished && f.finish_s > st.now_s;
        in_flight = st.in_flight.size();
      }
      for (int s : st.dispatchable) out.push_back({s, 0, s == 0 ? 64 : 1});
    }
    bool seen_partial = false, all_unfinished = true;
    std::size_t in_flight = 0;
  } probe;
  EpisodeConfig cfg = config(Semantics::reference, 1e6, 100);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  Simulator sim(flat);
  sim.run(probe, cfg);
  EXPECT_TRUE(probe.seen_partial);
  EXPECT_TRUE(probe.all_unfinished);
  EXPECT_GT(probe.in_flight, 0u);
  EXPECT_LT(probe.in_flight, 64u);
}

}  // namespace
}  // namespace concord

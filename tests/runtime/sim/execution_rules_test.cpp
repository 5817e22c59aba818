// The execution rules (sim/execution_rules.hpp) pinned by hand, then the simulator and the
// MCPP rollout kernel checked against them batch by batch: both must give the oracle's outcome
// (tests/support/execution_oracle.hpp) for every batch of three of its five samples. The
// simulated worker is checked against the same oracle in tests/actors/sample_simulation_test.cpp.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "support/execution_oracle.hpp"
#include "model/validate.hpp"
#include "plan/mcpp_model.hpp"
#include "plan/mcpp_rollout.hpp"
#include "sim/execution_rules.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/simulator.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using testing::BatchOutcome;
using testing::expected_batch;
using testing::RulesBatch;

// ------------------------------------------------------------------ the rules, by hand

TEST(ExecutionRules, TokenCapStopsASampleAtTheCapAtTheSameRateAndFailsIt) {
  const exec::Effective cut = exec::apply_token_cap({4.0, 400, true}, 300);
  EXPECT_DOUBLE_EQ(cut.latency_s, 3.0);
  EXPECT_EQ(cut.tokens, 300);
  EXPECT_FALSE(cut.success);
  EXPECT_TRUE(cut.truncated);
  const exec::Effective at_cap = exec::apply_token_cap({2.0, 300, true}, 300);  // exactly the cap: untouched
  EXPECT_DOUBLE_EQ(at_cap.latency_s, 2.0);
  EXPECT_TRUE(at_cap.success);
  EXPECT_FALSE(at_cap.truncated);
}

TEST(ExecutionRules, ProRataChargesTheTokensGeneratedSoFarRoundedDown) {
  const exec::Effective s{3.0, 91, true, false};
  EXPECT_EQ(exec::tokens_after(s, 2.0), 60);  // 91 x 2/3 = 60.67
  EXPECT_EQ(exec::tokens_after(s, 3.0), 91);
  EXPECT_EQ(exec::tokens_after(s, 7.0), 91);
  EXPECT_EQ(exec::tokens_after(s, 0.0), 0);
  EXPECT_EQ(exec::tokens_after(s, -1.0), 0);
  EXPECT_EQ(exec::sample_cost(7, 10, 60), 607);
}

TEST(ExecutionRules, FirstSuccessSettlesTheBatchAndCancelsTheSiblingsStillRunning) {
  exec::SettlementBuilder b;
  const exec::Effective fail_fast{1.0, 100, false, false}, win{2.0, 50, true, false}, late{3.0, 91, true, false};
  b.add(late), b.add(fail_fast), b.add(win);
  const exec::Settlement s = b.result();
  EXPECT_TRUE(s.success);
  EXPECT_DOUBLE_EQ(s.end_s, 2.0);
  EXPECT_TRUE(exec::cancelled_by(late, s));
  EXPECT_FALSE(exec::cancelled_by(fail_fast, s));
  EXPECT_FALSE(exec::cancelled_by(win, s));
  EXPECT_EQ(exec::charged_tokens(late, s), 60);
  EXPECT_EQ(exec::charged_tokens(fail_fast, s), 100);

  exec::SettlementBuilder none;  // no success: the batch ends with its slowest sample
  none.add(fail_fast), none.add({4.0, 3, false, true});
  EXPECT_FALSE(none.result().success);
  EXPECT_DOUBLE_EQ(none.result().end_s, 4.0);
  EXPECT_FALSE(exec::SettlementBuilder{}.result().success);
}

/// A generator whose draws the test chooses (the rules' draw order is part of the rules).
struct ScriptedGen {
  std::vector<std::uint64_t> values;
  std::vector<double> normals{0.0};
  double u = 0.5;
  std::size_t i = 0, j = 0;
  std::uint64_t next() { return i < values.size() ? values[i++] : 0; }
  double uniform() { return u; }
  double normal() { return normals[std::min(j++, normals.size() - 1)]; }
};

TEST(ExecutionRules, ParametricDrawIsALognormalLatencyFlooredThenABernoulliSuccess) {
  ScriptedGen g;
  g.normals = {1.5};
  g.u = 0.25;
  const exec::Draw d = exec::draw_parametric(0.5, 2.0, 0.3, 17, g);
  EXPECT_DOUBLE_EQ(d.latency_s, std::exp(0.5 + 2.0 * 1.5));
  EXPECT_TRUE(d.success);  // 0.25 < 0.3
  EXPECT_EQ(d.output_tokens, 17);
  g.u = 0.3;
  EXPECT_FALSE(exec::draw_parametric(0.5, 2.0, 0.3, 17, g).success);  // u < p, strictly
  EXPECT_DOUBLE_EQ(exec::draw_parametric(-50.0, 0.0, 1.0, 1, g).latency_s, exec::kMinParametricLatency_s);
}

TEST(ExecutionRules, TimeToleranceAndSampleIds) {
  EXPECT_TRUE(exec::ends_by(10.0 + 1e-13, 10.0));
  EXPECT_FALSE(exec::ends_by(10.0 + 1e-11, 10.0));
  EXPECT_EQ(exec::sample_id(7, 3), 7u * 4096u + 3u);
  EXPECT_EQ(exec::batch_of(exec::sample_id(7, 4095)), 7u);
  EXPECT_EQ(kMaxSamplesPerAssignment, static_cast<int>(exec::kSampleIdsPerBatch));
}

// ------------------------------------------------------------------ components vs the rules

/// t0 (on m0: the five samples of RulesBatch; on m1: one cheap success) -> t1 (on m1 only).
/// m1's cap makes its reservation huge ($10 000): the kernel probe below reads t0's cost from
/// the smallest budget that still lets t1 reserve.
Workflow rules_workflow() {
  Workflow wf;
  wf.models = {testing::model("m0", RulesBatch::kUsdPerMtokOut, RulesBatch::kCap),
               testing::model("m1", RulesBatch::kUsdPerMtokOut, 1'000'000)};
  wf.models[0].usd_per_mtok_in = RulesBatch::kUsdPerMtokIn;
  std::vector<Sample> samples;
  for (const auto& d : RulesBatch::kSamples) samples.push_back({d.latency_s, d.success, d.output_tokens});
  Subtask t0 = testing::subtask("t0", {}, "m0", samples);
  t0.input_tokens = RulesBatch::kInputTokens;
  t0.profiles["m1"].samples = {{1.0, true, 1}};
  wf.subtasks = {t0, testing::subtask("t1", {"t0"}, "m1", {{1.0, true, 1}})};
  validate_workflow(wf, "test");
  return wf;
}

std::vector<std::vector<int>> all_picks() {
  std::vector<std::vector<int>> out;
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b < 5; ++b)
      for (int c = 0; c < 5; ++c) out.push_back({a, b, c});
  return out;
}

TEST(ExecutionRulesEquivalence, OracleBatchesExerciseEveryRule) {
  int truncated = 0, cancelled = 0, failed = 0;
  for (const auto& p : all_picks()) {
    const BatchOutcome o = expected_batch(p);
    truncated += o.truncated > 0, cancelled += o.cancelled > 0, failed += !o.success;
  }
  EXPECT_GT(truncated, 0);
  EXPECT_GT(cancelled, 0);
  EXPECT_GT(failed, 0);
  const FlatWorkflow flat = FlatWorkflow::compile(rules_workflow());
  EXPECT_EQ(flat.input_cost(0, 0), RulesBatch::kInputCost);
  EXPECT_EQ(flat.price_per_token(0), RulesBatch::kPricePerToken);
  EXPECT_EQ(flat.token_cap(0), RulesBatch::kCap);
}

/// Plays (m0, k = 3) on t0's first attempt and (m1, 1) everywhere else.
class FirstBatchPolicy final : public Policy {
 public:
  std::string name() const override { return "first-batch"; }
  void decide(const SimState& st, Rng&, std::vector<Assignment>& out) override {
    for (int s : st.dispatchable) out.push_back(s == 0 && st.attempts[0] == 0 ? Assignment{0, 0, 3} : Assignment{s, 1, 1});
  }
};

TEST(ExecutionRulesEquivalence, SimulatorBatchesAreTheRulesOutcome) {
  const FlatWorkflow flat = FlatWorkflow::compile(rules_workflow());
  Simulator sim(flat);
  FirstBatchPolicy policy;
  std::set<std::vector<int>> seen;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    // Sample j of t0's first batch draws from LazyRng(exec::sample_seed(seed, t0, attempt 1, j)).
    std::vector<int> picks;
    for (int j = 0; j < 3; ++j) {
      LazyRng sample(exec::sample_seed(seed, 0, 1, j));
      picks.push_back(static_cast<int>(sample.below(RulesBatch::kSamples.size())));
    }
    seen.insert(picks);
    EpisodeConfig cfg;
    cfg.semantics = Semantics::runtime;
    cfg.budget = money_from_dollars(100000);
    cfg.seed = seed;
    const EpisodeResult r = sim.run(policy, cfg);
    ASSERT_TRUE(r.completed) << "seed " << seed;
    const AttemptTrace& a = r.attempts.at(0);
    const BatchOutcome want = expected_batch(picks);
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " picks " << picks[0] << picks[1] << picks[2]);
    EXPECT_EQ(a.cost, want.cost);
    EXPECT_EQ(a.succeeded, want.success);
    EXPECT_DOUBLE_EQ(a.end_s - a.start_s, want.end_s);
    EXPECT_EQ(a.successes, want.successes);
    EXPECT_EQ(a.failures, want.failures);
    EXPECT_EQ(a.truncated, want.truncated);
    EXPECT_EQ(a.cancelled, want.cancelled);
  }
  EXPECT_GE(seen.size(), 100u);  // most of the 125 batches
}

/// A 32-bit value v with mcpp::FastRng::index(v, n) == i.
std::uint64_t bits_for(int i, int n) {
  const std::uint64_t v = ((static_cast<std::uint64_t>(i) << 32) + static_cast<std::uint64_t>(n) - 1) / static_cast<std::uint64_t>(n);
  return v;
}

struct KernelProbe {
  FlatWorkflow flat = FlatWorkflow::compile(rules_workflow());
  mcpp::PlanModel model{flat};
  mcpp::SharedSets<1> sets;
  KernelProbe() {
    sets.parent_masks.resize(2);
    sets.all.set(0), sets.all.set(1);
    sets.parent_masks[1].set(0);
  }
  /// Whether one runtime-semantics trajectory that launches t0 with `picks` completes.
  bool completes(const std::vector<int>& picks, Money budget, double horizon_s) const {
    mcpp::Trajectory<1, true> tr(model, sets, 8);
    mcpp::RootState root;
    root.h = horizon_s;
    root.b = budget;
    const std::vector<int> ready{0};
    const mcpp::Choice action[1] = {{0, 3}};
    ScriptedGen g;
    for (int p : picks) g.values.push_back(bits_for(p, static_cast<int>(RulesBatch::kSamples.size())));
    return tr.run(root, ready, action, /*cont_model=*/1, /*cont_k=*/1, /*max_steps=*/100, g);
  }
};

TEST(ExecutionRulesEquivalence, RolloutKernelBatchesAreTheRulesOutcome) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(mcpp::FastRng::index(static_cast<std::uint32_t>(bits_for(i, 5)), 5), static_cast<std::uint32_t>(i));
  const KernelProbe probe;
  const FlatWorkflow& flat = probe.flat;
  const Money t1_reservation = flat.reservation(1, 1);
  const Money retry_cost = flat.sample_cost(0, 1, 1);  // t0 again, on m1, after a failed batch
  ASSERT_EQ(t1_reservation, flat.reservation(0, 1));
  for (const auto& picks : all_picks()) {
    const BatchOutcome want = expected_batch(picks);
    SCOPED_TRACE(::testing::Message() << "picks " << picks[0] << picks[1] << picks[2]);
    // Money: t1 reserves once t0 is done (and, after a failed batch, retried once on m1), so the
    // smallest budget that completes is t0's cost + [the retry] + t1's reservation.
    Money lo = 0, hi = 2 * t1_reservation;  // lo fails, hi completes
    ASSERT_TRUE(probe.completes(picks, hi, 100.0));
    while (hi - lo > 1) {
      const Money mid = lo + (hi - lo) / 2;
      (probe.completes(picks, mid, 100.0) ? hi : lo) = mid;
    }
    const Money t0_cost = hi - t1_reservation - (want.success ? 0 : retry_cost);
    EXPECT_EQ(t0_cost, want.cost);
    // Time: the shortest horizon that completes is t0's end + [1 s retry] + t1's 1 s.
    double tlo = 0, thi = 100;
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (tlo + thi);
      (probe.completes(picks, 1e18, mid) ? thi : tlo) = mid;
    }
    EXPECT_NEAR(thi, want.end_s + (want.success ? 1.0 : 2.0), 1e-9);
  }
}

}  // namespace
}  // namespace concord

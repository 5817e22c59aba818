// The simulated worker follows the execution rules: every sample of every batch of three of
// the oracle's five samples (tests/support/execution_oracle.hpp) is drawn from a request the
// way the workflow actor ships it, run to its end or cancelled when the batch settles, and
// must give the oracle's tokens, cost and flags (the simulator and the MCPP rollout kernel are
// checked against the same oracle in tests/runtime/sim/execution_rules_test.cpp).
#include <gtest/gtest.h>

#include "support/execution_oracle.hpp"
#include "messages.hpp"
#include "sample_simulation.hpp"

namespace concord::actors {
namespace {

using concord::testing::BatchOutcome;
using concord::testing::expected_batch;
using concord::testing::RulesBatch;

proto::sample_request request_for(int sample) {
  const exec::Draw& d = RulesBatch::kSamples[static_cast<std::size_t>(sample)];
  proto::sample_request r;
  r.sample_id = exec::sample_id(3, static_cast<std::uint64_t>(sample));
  r.seed = 42;
  r.token_cap = RulesBatch::kCap;
  r.input_cost = RulesBatch::kInputCost;
  r.price_per_token = RulesBatch::kPricePerToken;
  r.profile.latency_s = {d.latency_s};  // one recorded sample: the draw is that sample
  r.profile.success = {static_cast<std::uint8_t>(d.success ? 1 : 0)};
  r.profile.tokens = {d.output_tokens};
  return r;
}

TEST(SampleSimulation, WorkerOutcomesAreTheRulesOutcome) {
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b < 5; ++b)
      for (int c = 0; c < 5; ++c) {
        const std::vector<int> picks{a, b, c};
        const BatchOutcome want = expected_batch(picks);
        SCOPED_TRACE(::testing::Message() << "picks " << a << b << c);
        Money cost = 0;
        for (std::size_t j = 0; j < picks.size(); ++j) {
          const proto::sample_request r = request_for(picks[j]);
          const SimulatedSample s = simulate_sample(r);
          // The subtask cancels what still runs when the batch settles; the rest runs to its end.
          const double elapsed = want.samples[j].cancelled ? want.end_s : s.latency_s;
          const proto::sample_result out = sample_outcome(r, s, elapsed, "w");
          EXPECT_EQ(out.cancelled, want.samples[j].cancelled);
          EXPECT_EQ(out.success, want.samples[j].success);
          EXPECT_EQ(out.truncated, want.samples[j].truncated);
          EXPECT_EQ(out.tokens, want.samples[j].tokens);
          EXPECT_EQ(out.cost, want.samples[j].cost);
          EXPECT_DOUBLE_EQ(out.latency_s, want.samples[j].stop_s);
          cost += out.cost;
        }
        EXPECT_EQ(cost, want.cost);
      }
}

TEST(SampleSimulation, ParametricRequestsUseTheParametricDraw) {
  proto::sample_request r;
  r.seed = 9;
  r.token_cap = 1000;
  r.profile.lognormal_mu = 0.2;
  r.profile.lognormal_sigma = 0.5;
  r.profile.p_success = 0.6;
  r.profile.parametric_tokens = 77;
  LazyRng same(9);  // a sample draws from LazyRng(its seed), as the simulator does
  const exec::Draw d = exec::draw_parametric(0.2, 0.5, 0.6, 77, same);
  const SimulatedSample s = simulate_sample(r);
  EXPECT_DOUBLE_EQ(s.latency_s, d.latency_s);
  EXPECT_EQ(s.success, d.success);
  EXPECT_EQ(s.tokens, 77);
}

}  // namespace
}  // namespace concord::actors

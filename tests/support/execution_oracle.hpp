#pragma once
// The execution rules' expected outcome of one batch, for the equivalence tests of the
// simulator, the MCPP rollout kernel and the simulated worker (tests/runtime/sim/execution_rules_test.cpp,
// tests/actors/sample_simulation_test.cpp). Built only from sim/execution_rules.hpp, whose
// values are pinned by hand in execution_rules_test.cpp: a component that stops following a
// rule disagrees with this oracle.
#include <array>
#include <cstdint>
#include <vector>

#include "model/money.hpp"
#include "sim/execution_rules.hpp"

namespace concord::testing {

/// The batch every equivalence test runs: one subtask, one model capped at kCap tokens, five
/// recorded samples chosen so that each rule moves a number (a truncated success, a success
/// later than another, pro-rata charges that round down, a prompt cost).
struct RulesBatch {
  static constexpr std::int64_t kCap = 300;
  static constexpr Money kInputCost = 7'000'000'000;     // 7 input tokens at $1000 / 1M tokens
  static constexpr Money kPricePerToken = 10'000'000'000; // $10 000 / 1M output tokens
  static constexpr double kUsdPerMtokIn = 1000, kUsdPerMtokOut = 10000;
  static constexpr std::int64_t kInputTokens = 7;
  static constexpr std::array<exec::Draw, 5> kSamples{{
      {1.0, 100, false},  // fails
      {2.0, 50, true},    // succeeds
      {4.0, 400, true},   // would succeed, truncated at 300 tokens (3 s): fails
      {0.5, 10, false},   // fails fast
      {3.0, 91, true},    // a later success: cancelled at 2 s by sample 1, 91 x 2/3 -> 60 tokens
  }};
};

struct SampleOutcome {
  bool success = false, truncated = false, cancelled = false;
  double stop_s = 0;  // seconds after launch
  std::int64_t tokens = 0;
  Money cost = 0;
};

struct BatchOutcome {
  bool success = false;
  double end_s = 0;  // seconds after launch
  Money cost = 0;
  int successes = 0, failures = 0, truncated = 0, cancelled = 0;
  std::vector<SampleOutcome> samples;
};

/// The outcome the rules give for the batch of recorded samples `picks` (runtime semantics).
inline BatchOutcome expected_batch(const std::vector<int>& picks) {
  std::vector<exec::Effective> eff;
  exec::SettlementBuilder settle;
  for (int i : picks) {
    eff.push_back(exec::apply_token_cap(RulesBatch::kSamples[static_cast<std::size_t>(i)], RulesBatch::kCap));
    settle.add(eff.back());
  }
  const exec::Settlement s = settle.result();
  BatchOutcome out;
  out.success = s.success;
  out.end_s = s.end_s;
  for (const auto& e : eff) {
    SampleOutcome o;
    o.cancelled = exec::cancelled_by(e, s);
    o.success = !o.cancelled && e.success;
    o.truncated = !o.cancelled && e.truncated;
    o.stop_s = o.cancelled ? s.end_s : e.latency_s;
    o.tokens = exec::charged_tokens(e, s);
    o.cost = exec::sample_cost(RulesBatch::kInputCost, RulesBatch::kPricePerToken, o.tokens);
    out.cost += o.cost;
    out.cancelled += o.cancelled ? 1 : 0;
    out.successes += o.success ? 1 : 0;
    out.failures += !o.cancelled && !e.success ? 1 : 0;
    out.truncated += o.truncated ? 1 : 0;
    out.samples.push_back(o);
  }
  return out;
}

}  // namespace concord::testing

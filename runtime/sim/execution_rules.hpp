#pragma once
// How one sample and one batch execute (DESIGN.md §3): the single copy of the rules that the
// simulator (sim/simulator.cpp), the MCPP rollout kernel (plan/mcpp_rollout.hpp) and the
// simulated model worker (actors/sample_simulation.hpp) all follow. Inline and allocation-free:
// the rollout kernel calls these in its innermost loop.
//
// Units: seconds (latencies and elapsed times are relative to the sample's launch), output
// tokens, picodollars (model/money.hpp). Bounded input (model/limits.hpp) keeps one sample's
// cost below 2e18 picodollars, so sample_cost() cannot overflow.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "model/money.hpp"
#include "sim/rng.hpp"

namespace concord::exec {

/// Two instants closer than this are the same (seconds): "ends by the deadline" means
/// end <= deadline + kTimeTolerance_s, as in the MCPP reference.
inline constexpr double kTimeTolerance_s = 1e-12;
/// Whether something ending at end_s ends by limit_s (same clock, seconds).
inline constexpr bool ends_by(double end_s, double limit_s) { return end_s <= limit_s + kTimeTolerance_s; }

/// A parametric sample never answers faster than this (seconds): the reference template's floor.
inline constexpr double kMinParametricLatency_s = 1e-3;

/// Sample ids (also the ledger's reservation ids): sample j of batch b is b * kSampleIdsPerBatch + j,
/// so one id names one sample of one batch of one workflow. REQUIRES: j < kSampleIdsPerBatch
/// (policy.hpp's kMaxSamplesPerAssignment is this bound).
inline constexpr std::uint64_t kSampleIdsPerBatch = 4096;
inline constexpr std::uint64_t sample_id(std::uint64_t batch, std::uint64_t j) { return batch * kSampleIdsPerBatch + j; }
inline constexpr std::uint64_t batch_of(std::uint64_t sample_id) { return sample_id / kSampleIdsPerBatch; }

/// The seed of one sample's draw: sample j (0-based) of the attempt-th batch (1-based) of subtask s
/// in the episode seeded `episode_seed`. The simulator and the simulated worker both draw a sample
/// from LazyRng(sample_seed(...)) (Rng's stream), so a sample's outcome depends on what it is, never on the
/// order in which other samples were drawn or messages arrived (the cluster and the simulator
/// agree sample by sample). A re-dispatched sample keeps its seed: it runs the same on its new
/// worker. In two steps, so that a simulator computes each subtask's root once per episode:
inline std::uint64_t subtask_seed_root(std::uint64_t episode_seed, int subtask) {
  const std::uint64_t environment = derive_seed(episode_seed, 0);  // stream 1 is the policy's
  return derive_seed(environment, static_cast<std::uint64_t>(subtask));
}
inline std::uint64_t sample_seed_in(std::uint64_t subtask_root, int attempt, int j) {
  return derive_seed(subtask_root, sample_id(static_cast<std::uint64_t>(attempt), static_cast<std::uint64_t>(j)));
}
inline std::uint64_t sample_seed(std::uint64_t episode_seed, int subtask, int attempt, int j) {
  return sample_seed_in(subtask_seed_root(episode_seed, subtask), attempt, j);
}

/// One drawn outcome of a sample, before the token cap or any cancellation.
struct Draw {
  double latency_s = 0;
  std::int64_t output_tokens = 0;
  bool success = false;
};

/// The parametric draw (the MCPP reference's template sampler): lognormal latency floored at
/// kMinParametricLatency_s, then Bernoulli(p) success, and a fixed token count. The order of
/// the two draws is part of the rule (same generator state -> same sample everywhere).
/// Gen: normal() (standard normal) and uniform() in [0, 1).
template <class Gen>
inline Draw draw_parametric(double lognormal_mu, double lognormal_sigma, double p_success, std::int64_t tokens, Gen& g) {
  Draw d;
  d.latency_s = std::max(kMinParametricLatency_s, std::exp(lognormal_mu + lognormal_sigma * g.normal()));
  d.success = g.uniform() < p_success;
  d.output_tokens = tokens;
  return d;
}

/// A sample as it runs (runtime semantics): after the token cap.
struct Effective {
  double latency_s = 0;     // when it stops, seconds after launch
  std::int64_t tokens = 0;  // output tokens when it runs to its end
  bool success = false;
  bool truncated = false;
};

/// Token cap: a sample that would generate more than `cap` tokens stops at the cap, at the
/// same rate (latency scaled by cap / tokens), and fails. In place on the sample's fields (the
/// rollout kernel's form); returns whether it was truncated. REQUIRES: cap >= 0.
inline bool cap_tokens(double& latency_s, std::int64_t& tokens, bool& success, std::int64_t cap) {
  if (tokens <= cap) return false;
  latency_s *= static_cast<double>(cap) / static_cast<double>(tokens);
  tokens = cap;
  success = false;
  return true;
}
inline Effective apply_token_cap(const Draw& d, std::int64_t cap) {
  Effective e{d.latency_s, d.output_tokens, d.success, false};
  e.truncated = cap_tokens(e.latency_s, e.tokens, e.success, cap);
  return e;
}

/// Pro-rata: output tokens a sample of `latency_s` and `tokens` has generated `elapsed_s` after
/// its launch (all of them once elapsed_s >= its latency; rounded down before). A cancelled
/// sample is charged for these.
inline std::int64_t tokens_after(double latency_s, std::int64_t tokens, double elapsed_s) {
  if (elapsed_s >= latency_s) return tokens;
  if (!(elapsed_s > 0)) return 0;
  return static_cast<std::int64_t>(std::floor(static_cast<double>(tokens) * (elapsed_s / latency_s)));
}
inline std::int64_t tokens_after(const Effective& s, double elapsed_s) { return tokens_after(s.latency_s, s.tokens, elapsed_s); }

/// What a sample that generated `tokens` output tokens costs: its prompt plus its output.
inline Money sample_cost(Money input_cost, Money price_per_token, std::int64_t tokens) {
  return input_cost + tokens * price_per_token;
}

/// Settlement of a batch (runtime semantics): the first success ends it and cancels every
/// sibling still running then; with no success it ends with its slowest sample.
struct Settlement {
  double end_s = 0;  // seconds after launch
  bool success = false;
};
/// Folds one more sample into a settlement under way; start from Settlement{} with no sample.
struct SettlementBuilder {
  double first_success_s = INFINITY, slowest_s = 0;
  void add(double latency_s, bool success) {
    if (success) first_success_s = std::min(first_success_s, latency_s);
    slowest_s = std::max(slowest_s, latency_s);
  }
  void add(const Effective& s) { add(s.latency_s, s.success); }
  Settlement result() const {
    const bool ok = first_success_s < INFINITY;
    return {ok ? first_success_s : slowest_s, ok};
  }
};
/// A sample of a settled batch was cancelled iff it was still running when the batch ended.
inline bool cancelled_by(const Effective& s, const Settlement& b) { return s.latency_s > b.end_s; }
/// Output tokens charged for a sample of a settled batch.
inline std::int64_t charged_tokens(const Effective& s, const Settlement& b) { return tokens_after(s, b.end_s); }

}  // namespace concord::exec

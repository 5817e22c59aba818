#pragma once
// Model tiers: how a model of a benchmark's lineup transforms a base rollout
// statistic into its own (synthetic) profile, and the sampling of such profiles.
//   p_model   = 1 - (1 - p)^accuracy_exponent   (exponent > 1: more accurate)
//   latency   = lat_mean * latency_factor,  std = lat_std * latency_factor
//   tokens    = tokens_mean * tokens_factor
// Prices are the MCPP paper's ($ per 1M output tokens); the factors are
// assumptions that order the tiers plausibly, not measurements.
#include <string>
#include <vector>

#include "model/workflow.hpp"
#include "sim/rng.hpp"
#include "workloads/rollout_stats.hpp"

namespace concord {

struct ModelTier {
  std::string model_id;
  double usd_per_mtok = 0;         // $ per 1M output tokens
  double accuracy_exponent = 1;
  double latency_factor = 1;
  double tokens_factor = 1;

  friend bool operator==(const ModelTier&, const ModelTier&) = default;
};

/// goedel32b, goedel8b, kimina7b (strongest first).
std::vector<ModelTier> proofflow_tiers();
/// 30B_think, 30B_ins, 4B_think, 4B_ins.
std::vector<ModelTier> codeflow_tiers();

/// The tier's parametric profile on a subtask whose base statistic is `base`.
ParametricProfile apply_tier(const RolloutStat& base, const ModelTier& tier);

/// Time to first token (seconds): the least a synthetic sample takes, prompt prefill plus
/// scheduling before any output. 0.2 s is the order of a served 7B-32B model's time to first
/// token on a prompt of a few thousand tokens; it is below every tier mean built from the
/// shipped rollout statistics (the shortest is 0.66 s x 0.5 = 0.33 s), so it is a floor that
/// every such sample honours without moving the tier's mean.
inline constexpr double kTimeToFirstToken_s = 0.2;
/// The floor never takes more than this share of the latency mean (a profile whose mean is
/// below 2 x kTimeToFirstToken_s gets a proportionally smaller floor, so its mean is kept).
inline constexpr double kMaxFloorShareOfMean = 0.5;

/// The latency floor of `p`'s samples (seconds): min(kTimeToFirstToken_s,
/// kMaxFloorShareOfMean x mean), and at least the simulator's 1 ms (exec::kMinParametricLatency_s).
double latency_floor_s(const ParametricProfile& p);

/// `count` draws (none when count <= 0). Each draws success ~ Bernoulli(p) first, then one
/// z ~ N(0,1) for both latency and tokens:
///   latency = floor + g,  g = exp(mu + sigma z), a lognormal with mean (mean - floor) and std
///             `std` (sigma^2 = ln(1 + cv^2), cv = std / (mean - floor), mu = ln(mean - floor) - sigma^2/2),
///             so the latency's mean and std are the profile's and no sample is below the floor;
///   tokens  = max(1, round(tokens_mean x g / (mean - floor))): generated at the tier's rate after
///             the first token, so tokens grow with latency and their mean is tokens_mean (up to rounding).
/// floor = latency_floor_s(p). With mean <= floor (degenerate profiles) every sample takes the
/// floor and tokens_mean tokens. The profile's (mean, std, tokens_mean, p) stay the samples'
/// moments, so the parametric summary written next to them (and drawn by the simulator when
/// there are no samples) agrees with them.
std::vector<Sample> draw_samples(const ParametricProfile& p, int count, Rng& rng);

/// The tiers as workflow models (same order, output prices only).
std::vector<ModelSpec> tier_models(const std::vector<ModelTier>& tiers);

/// For every subtask of `wf`, in order: draws one base row uniformly from
/// `stats`, then for every tier in order sets profiles[tier] = {samples, parametric}.
/// REQUIRES: stats not empty.
void add_synthetic_profiles(Workflow& wf, const std::vector<RolloutStat>& stats, const std::vector<ModelTier>& tiers,
                            int samples_per_profile, Rng& rng);

}  // namespace concord

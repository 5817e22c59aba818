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

/// `count` draws (none when count <= 0) with the same model as FlatWorkflow::draw:
/// success ~ Bernoulli(p) first, then z ~ N(0,1); latency = max(1e-3, mean + std z);
/// tokens = max(1, round(tokens_mean (1 + cv z))) with cv = std/mean.
std::vector<Sample> draw_samples(const ParametricProfile& p, int count, Rng& rng);

/// The tiers as workflow models (same order, output prices only).
std::vector<ModelSpec> tier_models(const std::vector<ModelTier>& tiers);

/// For every subtask of `wf`, in order: draws one base row uniformly from
/// `stats`, then for every tier in order sets profiles[tier] = {samples, parametric}.
/// REQUIRES: stats not empty.
void add_synthetic_profiles(Workflow& wf, const std::vector<RolloutStat>& stats, const std::vector<ModelTier>& tiers,
                            int samples_per_profile, Rng& rng);

}  // namespace concord

#include "workloads/model_tiers.hpp"

#include <algorithm>
#include <cmath>

namespace concord {

std::vector<ModelTier> proofflow_tiers() {
  return {
      {"goedel32b", 2.8, 1.6, 1.6, 1.3},
      {"goedel8b", 0.7, 1.0, 1.0, 1.0},
      {"kimina7b", 0.5, 0.8, 0.85, 0.9},
  };
}

std::vector<ModelTier> codeflow_tiers() {
  return {
      {"30B_think", 2.4, 1.8, 2.2, 2.5},
      {"30B_ins", 0.8, 1.3, 1.0, 1.0},
      {"4B_think", 1.26, 1.0, 1.6, 2.0},
      {"4B_ins", 0.42, 0.7, 0.6, 0.8},
  };
}

ParametricProfile apply_tier(const RolloutStat& base, const ModelTier& tier) {
  ParametricProfile p;
  p.p_success = std::clamp(1.0 - std::pow(1.0 - base.success_prob, tier.accuracy_exponent), 0.0, 1.0);
  p.latency_mean_s = base.lat_mean * tier.latency_factor;
  p.latency_std_s = base.lat_std * tier.latency_factor;
  p.output_tokens_mean = base.tokens_mean * tier.tokens_factor;
  return p;
}

std::vector<Sample> draw_samples(const ParametricProfile& p, int count, Rng& rng) {
  std::vector<Sample> out;
  if (count <= 0) return out;
  out.reserve(static_cast<std::size_t>(count));
  const double cv = p.latency_mean_s > 0 ? p.latency_std_s / p.latency_mean_s : 0.0;
  for (int i = 0; i < count; ++i) {
    Sample s;
    s.success = rng.bernoulli(p.p_success);
    const double z = rng.normal();
    s.latency_s = std::max(1e-3, p.latency_mean_s + p.latency_std_s * z);
    s.output_tokens = std::max<std::int64_t>(1, std::llround(p.output_tokens_mean * (1.0 + cv * z)));
    out.push_back(s);
  }
  return out;
}

std::vector<ModelSpec> tier_models(const std::vector<ModelTier>& tiers) {
  std::vector<ModelSpec> out;
  for (const auto& t : tiers) {
    ModelSpec m;
    m.id = t.model_id;
    m.usd_per_mtok_out = t.usd_per_mtok;
    out.push_back(std::move(m));
  }
  return out;
}

void add_synthetic_profiles(Workflow& wf, const std::vector<RolloutStat>& stats, const std::vector<ModelTier>& tiers,
                            int samples_per_profile, Rng& rng) {
  for (auto& st : wf.subtasks) {
    const RolloutStat& base = stats[rng.below(stats.size())];
    for (const auto& tier : tiers) {
      Profile prof;
      prof.parametric = apply_tier(base, tier);
      prof.samples = draw_samples(*prof.parametric, samples_per_profile, rng);
      st.profiles[tier.model_id] = std::move(prof);
    }
  }
}

}  // namespace concord

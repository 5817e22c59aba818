#include "workloads/model_tiers.hpp"

#include <algorithm>
#include <cmath>

#include "sim/execution_rules.hpp"

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

double latency_floor_s(const ParametricProfile& p) {
  return std::max(exec::kMinParametricLatency_s, std::min(kTimeToFirstToken_s, kMaxFloorShareOfMean * p.latency_mean_s));
}

std::vector<Sample> draw_samples(const ParametricProfile& p, int count, Rng& rng) {
  std::vector<Sample> out;
  if (count <= 0) return out;
  out.reserve(static_cast<std::size_t>(count));
  // Generation time (after the first token) ~ lognormal with mean gen_mean_s = mean - floor and
  // the tier's std, moment-matched: cv = std / gen_mean_s, sigma^2 = ln(1 + cv^2),
  // mu = ln(gen_mean_s) - sigma^2 / 2. Latency = floor + generation: the tier's mean and std.
  const double floor_s = latency_floor_s(p);
  const double gen_mean_s = p.latency_mean_s - floor_s;
  const bool generates = gen_mean_s > 0;
  const double cv = generates ? std::max(0.0, p.latency_std_s) / gen_mean_s : 0.0;
  const double sigma2 = std::log1p(cv * cv);
  const double sigma = std::sqrt(sigma2);
  const double mu = generates ? std::log(gen_mean_s) - sigma2 / 2 : 0.0;
  for (int i = 0; i < count; ++i) {
    Sample s;
    s.success = rng.bernoulli(p.p_success);
    const double z = rng.normal();
    const double gen_s = generates ? std::exp(mu + sigma * z) : 0.0;
    s.latency_s = floor_s + gen_s;
    // Tokens at the tier's rate, tokens_mean / gen_mean_s per second of generation.
    const double tokens = generates ? p.output_tokens_mean * (gen_s / gen_mean_s) : p.output_tokens_mean;
    s.output_tokens = std::max<std::int64_t>(1, std::llround(tokens));
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

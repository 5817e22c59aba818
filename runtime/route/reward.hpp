#pragma once
// Reward of one sample's outcome, in [0, 1]:
//   r = clamp(success - latency_weight * min(1, latency_s / latency_ref_s)
//                     - cost_weight    * min(1, cost_usd  / cost_ref_usd), 0, 1)
// A failure earns 0 whatever its latency or cost (it is clamped); a success
// earns between 1 - latency_weight - cost_weight and 1. Defaults: 0.1 per
// penalty, 30 s and $0.01 references.
namespace concord::route {

struct Outcome {
  bool success = false;
  double latency_s = 0;  // seconds from dispatch to outcome
  double cost_usd = 0;   // dollars charged for the sample
};

struct RewardConfig {
  double latency_weight = 0.1;  // >= 0
  double latency_ref_s = 30.0;  // > 0
  double cost_weight = 0.1;     // >= 0
  double cost_ref_usd = 0.01;   // > 0
  void validate() const;        // throws std::invalid_argument naming the field
};

double reward(const RewardConfig& cfg, const Outcome& o);

}  // namespace concord::route

#include "route/reward.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace concord::route {

void RewardConfig::validate() const {
  if (!(latency_weight >= 0)) throw std::invalid_argument("reward.latency_weight: must be >= 0");
  if (!(cost_weight >= 0)) throw std::invalid_argument("reward.cost_weight: must be >= 0");
  if (!(latency_ref_s > 0)) throw std::invalid_argument("reward.latency_ref_s: must be > 0");
  if (!(cost_ref_usd > 0)) throw std::invalid_argument("reward.cost_ref_usd: must be > 0");
}

double reward(const RewardConfig& c, const Outcome& o) {
  const double lat = std::min(1.0, std::max(0.0, o.latency_s) / c.latency_ref_s);
  const double cost = std::min(1.0, std::max(0.0, o.cost_usd) / c.cost_ref_usd);
  const double r = (o.success ? 1.0 : 0.0) - c.latency_weight * lat - c.cost_weight * cost;
  return std::clamp(r, 0.0, 1.0);
}

}  // namespace concord::route

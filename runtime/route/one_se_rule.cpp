#include "route/one_se_rule.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace concord::route {

std::size_t one_se_choice(std::span<const double> mean, std::span<const double> cost, std::span<const double> pair_sd,
                          double se_scale, double z, std::span<const double> group_mean) {
  const std::size_t M = mean.size();
  if (M == 0 || cost.size() != M || pair_sd.size() != M * M || !(z >= 0) || !(se_scale >= 0) ||
      (!group_mean.empty() && group_mean.size() != M))
    throw std::invalid_argument("one_se_choice: need M >= 1 arms, matching sizes, se_scale >= 0 and z >= 0");
  auto argmax = [M](std::span<const double> v) {
    std::size_t b = 0;
    for (std::size_t m = 1; m < M; ++m)
      if (v[m] > v[b]) b = m;
    return b;
  };
  const std::size_t b = argmax(mean);
  const std::size_t g = group_mean.empty() ? 0 : argmax(group_mean);
  std::size_t pick = b;
  for (std::size_t m = 0; m < M; ++m) {
    if (mean[b] - mean[m] > z * pair_sd[b * M + m] * se_scale) continue;
    if (!group_mean.empty() && group_mean[g] - group_mean[m] > z * pair_sd[g * M + m] * se_scale) continue;
    if (cost[m] < cost[pick] || (cost[m] == cost[pick] && mean[m] > mean[pick])) pick = m;
  }
  return pick;
}

std::vector<double> paired_residual_sd(std::span<const double> e, std::size_t n, std::size_t arms) {
  if (e.size() != n * arms) throw std::invalid_argument("paired_residual_sd: residuals must be n x arms");
  std::vector<double> sd(arms * arms, 0.0);
  if (n == 0) return sd;
  for (std::size_t i = 0; i < arms; ++i)
    for (std::size_t j = 0; j < arms; ++j) {
      double s = 0;
      for (std::size_t q = 0; q < n; ++q) {
        const double d = e[q * arms + i] - e[q * arms + j];
        s += d * d;
      }
      sd[i * arms + j] = std::sqrt(s / static_cast<double>(n));
    }
  return sd;
}

}  // namespace concord::route

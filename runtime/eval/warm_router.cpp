#include "eval/warm_router.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "route/one_se_rule.hpp"
#include "sim/rng.hpp"

namespace concord::route {

namespace {

SelectorConfig reward_config(const WarmRouterConfig& c) {
  SelectorConfig s;
  s.mode = SelectorMode::disjoint;
  s.prior = c.mode == WarmMode::hybrid ? NewArmPrior::population : NewArmPrior::fixed;
  s.linucb.alpha = 0.0;
  s.linucb.ridge = c.ridge;
  s.arm_ridge = c.point.arm_ridge;
  return s;
}

SelectorConfig cost_config(const WarmRouterConfig& c) {
  SelectorConfig s;
  s.mode = SelectorMode::disjoint;
  s.prior = NewArmPrior::fixed;
  s.linucb.alpha = 0.0;
  s.linucb.ridge = c.ridge;
  return s;
}

}  // namespace

WarmRouter::WarmRouter(const WarmData& data, std::span<const double> cost, const std::vector<std::string>& models,
                       const WarmRouterConfig& cfg)
    : cfg_(cfg), d_(data.d), arms_(data.arms), text_offset_(data.text_offset),
      reward_(data.d, reward_config(cfg), derive_seed(cfg.seed, 6)),
      cost_(data.d, cost_config(cfg), derive_seed(cfg.seed, 8)) {
  if (cost.size() != data.n * data.arms || models.size() != data.arms)
    throw std::invalid_argument("warm router: cost must be n x arms and one model per arm");
  const std::size_t M = arms_, K = cfg_.datasets;
  for (const auto& m : models) arm_ids_.push_back(reward_.arm_for(m)), cost_.arm_for(m);
  std::vector<double> xs(data.x.begin(), data.x.end());
  for (std::size_t i = 0; i < data.n; ++i) scale_text(xs.data() + i * d_, d_, text_offset_, cfg_.point.text_weight);
  for (std::size_t i = 0; i < data.n; ++i)
    for (std::size_t m = 0; m < M; ++m) {
      reward_.update(arm_ids_[m], xs.data() + i * d_, data.r[i * M + m]);
      cost_.update(arm_ids_[m], xs.data() + i * d_, cost[i * M + m]);
    }
  reward_.refresh_arm_priors();
  // Per group: residuals (paired sd), mean reward, 1 / sqrt(rows). Group K: every row.
  std::vector<std::vector<double>> resid(K + 1);
  group_mean_.assign(K + 1, std::vector<double>(M, 0.0));
  for (std::size_t i = 0; i < data.n; ++i) {
    const double* x = xs.data() + i * d_;
    const std::size_t g = group(x);
    for (std::size_t m = 0; m < M; ++m) {
      const double r = data.r[i * M + m];
      const double e = r - reward_.arm(arm_ids_[m]).mean(x);
      if (g < K) resid[g].push_back(e), group_mean_[g][m] += r;
      resid[K].push_back(e);
      group_mean_[K][m] += r;
    }
  }
  for (std::size_t k = 0; k <= K; ++k) {
    const std::size_t n = resid[k].size() / M;
    pair_sd_.push_back(paired_residual_sd(resid[k], n, M));
    group_se_.push_back(n > 0 ? 1.0 / std::sqrt(static_cast<double>(n)) : 1.0);
    for (auto& v : group_mean_[k]) v /= static_cast<double>(std::max<std::size_t>(1, n));
  }
  x_.resize(d_);
  rows_.resize(M * d_);
  mean_.resize(M);
  cost_est_.resize(M);
}

std::size_t WarmRouter::group(const double* x) const {
  for (std::size_t k = 0; k < cfg_.datasets; ++k)
    if (x[1 + k] != 0) return k;
  return cfg_.datasets;
}

std::size_t WarmRouter::choose(const double* x_in) {
  std::copy(x_in, x_in + d_, x_.begin());
  scale_text(x_.data(), d_, text_offset_, cfg_.point.text_weight);
  const std::size_t M = arms_;
  if (cfg_.one_se_z > 0) {
    for (std::size_t m = 0; m < M; ++m) {
      mean_[m] = reward_.arm(arm_ids_[m]).mean(x_.data());
      cost_est_[m] = cost_.arm(arm_ids_[m]).mean(x_.data());
    }
    const std::size_t g = group(x_.data());
    return one_se_choice(mean_, cost_est_, pair_sd_[g], group_se_[g], cfg_.one_se_z, group_mean_[g]);
  }
  for (std::size_t m = 0; m < M; ++m) std::copy(x_.begin(), x_.end(), rows_.begin() + static_cast<std::ptrdiff_t>(m * d_));
  return reward_.select(arm_ids_, rows_.data(), M, 0.0);
}

}  // namespace concord::route

#include "route/selector.hpp"

#include <cmath>
#include <stdexcept>

namespace concord::route {

const char* to_string(SelectorMode m) { return m == SelectorMode::shared ? "shared" : "disjoint"; }

LinUcbSelector::LinUcbSelector(std::size_t dim, SelectorConfig cfg, std::uint64_t seed)
    : dim_(dim), cfg_(std::move(cfg)), rng_(seed) {
  cfg_.linucb.validate();
  if (!(cfg_.arm_ridge >= 0) || !std::isfinite(cfg_.arm_ridge))
    throw std::invalid_argument("selector.arm_ridge: must be finite and >= 0");
  arm_cfg_ = cfg_.linucb;
  if (cfg_.arm_ridge > 0) arm_cfg_.ridge = cfg_.arm_ridge;
  if (!cfg_.prior_mean.empty() && cfg_.prior_mean.size() != dim)
    throw std::invalid_argument("selector.prior_mean: size differs from the feature dimension");
  if (cfg_.mode == SelectorMode::shared) {
    arms_.emplace_back(dim_, cfg_.linucb, cfg_.prior_mean);
    keys_.emplace_back("*");
  } else {
    population_ = LinUcbModel(dim_, cfg_.linucb, cfg_.prior_mean);
  }
}

std::size_t LinUcbSelector::arm_for(std::string_view key) {
  if (cfg_.mode == SelectorMode::shared) return 0;
  auto it = index_.find(std::string(key));
  if (it != index_.end()) return it->second;
  const std::size_t i = arms_.size();
  if (cfg_.prior == NewArmPrior::population)
    arms_.emplace_back(dim_, arm_cfg_, population_.theta());
  else
    arms_.emplace_back(dim_, arm_cfg_, cfg_.prior_mean);
  keys_.emplace_back(key);
  index_.emplace(std::string(key), i);
  return i;
}

std::size_t LinUcbSelector::select(std::span<const std::size_t> arms, const double* x, std::size_t n, double alpha) {
  if (n == 0 || arms.size() != n) throw std::invalid_argument("selector.select: need n >= 1 candidates with arms");
  if (scores_.size() < n) scores_.resize(n);
  double best = -INFINITY;
  for (std::size_t i = 0; i < n; ++i) {
    scores_[i] = arms_[arms[i]].ucb(x + i * dim_, alpha);
    if (scores_[i] > best) best = scores_[i];
  }
  const double tol = 1e-12 * std::max(1.0, std::fabs(best));
  std::size_t ties = 0;
  for (std::size_t i = 0; i < n; ++i) ties += scores_[i] >= best - tol;
  std::size_t pick = ties > 1 ? rng_.below(ties) : 0;
  for (std::size_t i = 0; i < n; ++i)
    if (scores_[i] >= best - tol && pick-- == 0) return i;
  return 0;  // unreachable
}

void LinUcbSelector::update(std::size_t arm, const double* x, double r) {
  if (cfg_.mode == SelectorMode::disjoint && cfg_.prior == NewArmPrior::population) {
    population_.update(x, r);
    if (cfg_.track_population) arms_[arm].set_prior_mean(population_.theta(), false);  // theta recomputed by update()
  }
  arms_[arm].update(x, r);
}

void LinUcbSelector::refresh_arm_priors() {
  if (cfg_.mode != SelectorMode::disjoint || cfg_.prior != NewArmPrior::population) return;
  for (auto& a : arms_) a.set_prior_mean(population_.theta());
}

void LinUcbSelector::merge_from(const LinUcbSelector& other) {
  if (other.dim_ != dim_ || other.cfg_.mode != cfg_.mode)
    throw std::invalid_argument("selector.merge: dimension or mode differs");
  if (cfg_.mode == SelectorMode::shared) {
    arms_[0].merge_data_from(other.arms_[0]);
    return;
  }
  population_.merge_data_from(other.population_);
  for (std::size_t j = 0; j < other.arms_.size(); ++j) {
    auto it = index_.find(other.keys_[j]);
    if (it != index_.end()) {
      arms_[it->second].merge_data_from(other.arms_[j]);
    } else {
      index_.emplace(other.keys_[j], arms_.size());
      arms_.push_back(other.arms_[j]);
      keys_.push_back(other.keys_[j]);
    }
  }
}

}  // namespace concord::route

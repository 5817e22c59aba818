#include "route/selector.hpp"

#include <cmath>
#include <cstring>
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
  reuse_ainv_x_ = cfg_.linucb.discount == 1.0 && dim_ <= LinUcbModel::kMaxReusableDim;
  if (reuse_ainv_x_) picked_x_.assign(dim_, 0.0);
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
  if (ys_.size() < n * dim_) ys_.resize(n * dim_);
  if (models_.size() < n) models_.resize(n);
  picked_valid_ = false;
  for (std::size_t i = 0; i < n; ++i) models_[i] = &arms_[arms[i]];
  LinUcbModel::ucb_batch(models_.data(), n, x, alpha, ys_.data(), scores_.data());
  double best = -INFINITY;
  for (std::size_t i = 0; i < n; ++i)
    if (scores_[i] > best) best = scores_[i];
  const double tol = 1e-12 * std::max(1.0, std::fabs(best));
  std::size_t ties = 0;
  for (std::size_t i = 0; i < n; ++i) ties += scores_[i] >= best - tol;
  std::size_t pick = ties > 1 ? rng_.below(ties) : 0;
  std::size_t chosen = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (scores_[i] >= best - tol && pick-- == 0) {
      chosen = i;
      break;
    }
  if (reuse_ainv_x_) {
    std::memcpy(picked_x_.data(), x + chosen * dim_, dim_ * sizeof(double));
    picked_arm_ = arms[chosen];
    picked_row_ = chosen;
    picked_valid_ = true;
  }
  return chosen;
}

void LinUcbSelector::update(std::size_t arm, const double* x, double r) {
  // The arm's A^-1 x from the last select(), if this is its pick with the same features:
  // nothing has changed the arm's A^-1 since (every update and merge invalidates it).
  const double* ainv_x = nullptr;
  if (picked_valid_ && arm == picked_arm_ && std::memcmp(x, picked_x_.data(), dim_ * sizeof(double)) == 0)
    ainv_x = ys_.data() + picked_row_ * dim_;
  picked_valid_ = false;
  if (cfg_.mode == SelectorMode::disjoint && cfg_.prior == NewArmPrior::population) {
    population_.update(x, r);
    if (cfg_.track_population) arms_[arm].set_prior_mean(population_.theta(), false);  // theta recomputed by update()
  }
  arms_[arm].update(x, r, ainv_x);
}

void LinUcbSelector::refresh_arm_priors() {
  if (cfg_.mode != SelectorMode::disjoint || cfg_.prior != NewArmPrior::population) return;
  for (auto& a : arms_) a.set_prior_mean(population_.theta());
}

void LinUcbSelector::merge_from(const LinUcbSelector& other) {
  if (other.dim_ != dim_ || other.cfg_.mode != cfg_.mode)
    throw std::invalid_argument("selector.merge: dimension or mode differs");
  picked_valid_ = false;
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

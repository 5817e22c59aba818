#pragma once
// The replay's default router (docs/routing.md, evaluation 1): a LinUcbSelector
// warm-started with full information on the train split, frozen, choosing by the
// one-standard-error rule (route/one_se_rule.hpp) or greedily.
//
// Fit (constructor), from train rows only:
//   - the reward selector: disjoint arms, population prior tracked (WarmMode::hybrid)
//     or prior 0 (WarmMode::disjoint), ridge `ridge`, arm ridge `point.arm_ridge`, fed
//     every (row, arm, normalised reward) in row order, then refresh_arm_priors();
//   - a cost model: independent ridge arms (prior 0, ridge `ridge`) fed (row, arm, cost);
//   - per dataset group (the one-hot block [1, 1 + datasets) of a row; rows with none form
//     the "other" group, which also stands for a dataset train never saw): the arms' mean
//     normalised reward, the paired sd of their residuals, and 1 / sqrt(rows).
// Text features [text_offset, d) are scaled by point.text_weight before fitting and choosing.
//
// Invariants: nothing is learned after construction; choose() reads only its argument
// and the fitted state (it is non-const only because greedy ties draw from the seeded Rng).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "eval/warm_ridge.hpp"
#include "route/selector.hpp"

namespace concord::route {

struct WarmRouterConfig {
  WarmMode mode = WarmMode::hybrid;
  WarmPoint point;        // text weight and arm ridge (chosen by choose_warm)
  double ridge = 1.0;     // population / cost-model ridge
  double one_se_z = 1.0;  // 0 = greedy argmax
  std::size_t datasets = 0;  // K: one-hot block [1, 1 + K) of the context
  std::uint64_t seed = 1;
};

class WarmRouter {
 public:
  /// REQUIRES: cost.size() == data.n * data.arms; models.size() == data.arms.
  WarmRouter(const WarmData& data, std::span<const double> cost, const std::vector<std::string>& models,
             const WarmRouterConfig& cfg);

  /// The arm for an (unscaled) context row of size d.
  std::size_t choose(const double* x);

  const LinUcbSelector& selector() const { return reward_; }

 private:
  std::size_t group(const double* x_scaled) const;

  WarmRouterConfig cfg_;
  std::size_t d_, arms_, text_offset_;
  LinUcbSelector reward_, cost_;
  std::vector<std::vector<double>> pair_sd_, group_mean_;  // per group (K + 1)
  std::vector<double> group_se_;
  std::vector<std::size_t> arm_ids_;
  std::vector<double> x_, rows_, mean_, cost_est_;  // scratch
};

}  // namespace concord::route

#pragma once
// The warm start of Concord's replay router, in closed form, and the rule that
// chooses its hyperparameters: k-fold cross-validation carved from the train
// split (test is never read here).
//
// Full information: on a train row q every arm m's reward r(q, m) is known, so a
// selector fed every (q, m, r) pair ends in the ridge solution below (LinUCB's
// updates are exact recursive least squares; order does not matter with
// discount 1). With X the rows' context (features of the text block scaled by
// text_weight), G = X^T X, s_m = X^T r(., m):
//   hybrid   (disjoint arms, population prior, track_population; LinUcbSelector):
//            theta_pop = (pop_ridge I + M G)^-1 sum_m s_m,
//            theta_m   = (arm_ridge I + G)^-1 (arm_ridge theta_pop + s_m)
//   disjoint (fixed prior 0): theta_m = (arm_ridge I + G)^-1 s_m
// A test checks these against a LinUcbSelector fed the same pairs.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace concord::route {

enum class WarmMode { hybrid, disjoint };
const char* to_string(WarmMode m);

struct WarmPoint {
  double text_weight = 1.0;  // scale of the features [text_offset, d)
  double arm_ridge = 1.0;
};

/// Rows of train data: x (n x d, row-major), normalised rewards r (n x arms, what the
/// bandit learns from) and raw rewards raw (n x arms, what is scored).
struct WarmData {
  std::size_t n = 0, d = 0, arms = 0, text_offset = 0;
  std::span<const double> x, r, raw;
};

/// Per-arm theta (arms x d) fitted on `rows`, for features scaled by p.text_weight.
std::vector<double> warm_thetas(const WarmData& data, std::span<const std::size_t> rows, WarmMode mode,
                                const WarmPoint& p, double pop_ridge);

struct WarmChoice {
  WarmPoint point;
  double validation_reward = 0;  // the chosen point's raw reward per held-out query (greedy on theta)
};

/// Chooses a grid point (text_weights x arm_ridges) by `folds`-fold cross-validation over a
/// seeded shuffle of the rows (greedy choice on each held-out row), with the
/// one-standard-error rule: among the points whose mean held-out reward is within one paired
/// standard error (over rows) of the best point's, the simplest: the least text weight, then
/// the largest arm ridge (the most shrinkage toward the shared model).
/// REQUIRES: folds >= 2, n >= folds, non-empty grids.
WarmChoice choose_warm(const WarmData& data, WarmMode mode, std::span<const double> text_weights,
                       std::span<const double> arm_ridges, double pop_ridge, std::size_t folds, std::uint64_t seed);

/// The one-standard-error rule of model selection: given each point's held-out reward on
/// the same rows (held[i][row]), the simplest point (least text weight, then largest arm
/// ridge) whose mean is within one paired standard error (sd over rows of the difference /
/// sqrt(rows)) of the best mean. REQUIRES: one equally long row vector per point.
std::size_t simplest_within_one_se(std::span<const WarmPoint> points, const std::vector<std::vector<double>>& held);

/// Scales the text block of one row (size d) by w.
void scale_text(double* row, std::size_t d, std::size_t text_offset, double w);

}  // namespace concord::route

#pragma once
// Stage 2 of routing: LinUCB over the screened candidates.
//  - shared:   one LinUcbModel over joint (subtask, worker) features for every
//              worker (the Symphony-Coord reference). Workers are told apart
//              only through their features.
//  - disjoint: one LinUcbModel per arm key (worker id), plus a "population"
//              model updated with every observation. A newly seen key starts
//              from a prior: mean = the population's current theta (default)
//              or a configured prior mean, with precision ridge I.
// Selection: argmax over candidates of theta_arm^T x + alpha sqrt(x^T A_arm^-1 x);
// exact ties (within 1e-12 relative) are broken uniformly at random with the
// selector's seeded Rng, so the same seed gives the same choices.
// No allocation in select() or update() once the arms exist.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "route/linucb.hpp"
#include "sim/rng.hpp"

namespace concord::route {

enum class SelectorMode { shared, disjoint };
enum class NewArmPrior { population, fixed };

const char* to_string(SelectorMode m);

struct SelectorConfig {
  SelectorMode mode = SelectorMode::disjoint;
  LinUcbConfig linucb;
  NewArmPrior prior = NewArmPrior::population;  // disjoint only
  // disjoint + population prior: before each update of an arm, its prior mean is
  // refreshed to the population's current theta (shrinkage toward the population:
  // in directions its own data do not constrain, e.g. a drop in reputation, an arm
  // predicts like the population model). Exact: see LinUcbModel::set_prior_mean.
  bool track_population = true;
  std::vector<double> prior_mean;               // NewArmPrior::fixed (empty = zeros)
  // disjoint: the prior precision of an arm around its prior mean (0 = linucb.ridge).
  // With the population prior this is how strongly an arm is shrunk toward the
  // population ("shared with per-model offsets": a large arm_ridge keeps arms close
  // to the shared model, a small one lets each learn its own offset).
  double arm_ridge = 0;
};

class LinUcbSelector {
 public:
  LinUcbSelector(std::size_t dim, SelectorConfig cfg, std::uint64_t seed);

  std::size_t dim() const { return dim_; }
  const SelectorConfig& config() const { return cfg_; }

  /// The arm credited for `key` (shared: always 0). Disjoint: creates the arm
  /// with its prior the first time the key is seen.
  std::size_t arm_for(std::string_view key);

  /// Index in [0, n) of the candidate to dispatch to. Row i of `x_rows`
  /// (n x dim, row-major) holds candidate i's features, `arms[i]` its arm.
  /// REQUIRES: n >= 1, arms.size() == n.
  std::size_t select(std::span<const std::size_t> arms, const double* x_rows, std::size_t n) {
    return select(arms, x_rows, n, cfg_.linucb.alpha);
  }
  std::size_t select(std::span<const std::size_t> arms, const double* x_rows, std::size_t n, double alpha);

  /// One observation for `arm` (and the population model). No allocation.
  void update(std::size_t arm, const double* x, double r);

  /// Disjoint + population prior: sets every arm's prior mean to the population's
  /// current theta (what track_population does before an arm's own update), so arms
  /// not updated since the population last moved are current too. O(arms x d^2).
  void refresh_arm_priors();

  /// Adds what `other` learned (its data, without its prior) to this selector:
  /// same-key arms merge their sufficient statistics, keys only `other` knows
  /// are copied. With discount 1 and identical priors this equals one selector
  /// that saw both observation streams. REQUIRES: same dim and mode.
  void merge_from(const LinUcbSelector& other);

  std::size_t arm_count() const { return arms_.size(); }
  const LinUcbModel& arm(std::size_t i) const { return arms_[i]; }
  std::string_view arm_key(std::size_t i) const { return keys_[i]; }
  /// Disjoint: the population model; shared: arm 0.
  const LinUcbModel& population() const { return cfg_.mode == SelectorMode::shared ? arms_[0] : population_; }

 private:
  std::size_t dim_;
  SelectorConfig cfg_;
  LinUcbConfig arm_cfg_;  // cfg_.linucb with ridge = arm_ridge when set
  Rng rng_;
  std::vector<LinUcbModel> arms_;
  std::vector<std::string> keys_;
  std::unordered_map<std::string, std::size_t> index_;
  LinUcbModel population_;
  std::vector<double> scores_;  // scratch, grows only
  std::vector<const LinUcbModel*> models_;  // scratch: the candidates' arms, grows only
  // select() keeps every candidate's A^-1 x (ys_, n x dim, grows only) and remembers
  // the pick; update() of that arm with bit-identical features reuses the product
  // instead of recomputing it (LinUcbModel::update(x, r, ainv_x)). Discount 1 only;
  // invalidated by every update() and merge_from().
  bool reuse_ainv_x_ = false;  // discount == 1 && dim <= LinUcbModel::kMaxReusableDim
  std::vector<double> ys_;
  std::vector<double> picked_x_;    // the pick's features (dim)
  std::size_t picked_arm_ = 0, picked_row_ = 0;
  bool picked_valid_ = false;
};

}  // namespace concord::route

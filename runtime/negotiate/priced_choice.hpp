#pragma once
// The planner's side of negotiation by prices (DESIGN.md §7, issue 13): a planner scores an
// action by its value minus the priced resources it consumes,
//
//   priced score = v - sum_j mu_j * c_j
//
// (v: e.g. an MCPP completion probability; c_j: the action's use of resource j, e.g. dollars
// of the tenant's budget or slot-seconds of a model's workers; mu_j: the owner's price,
// negotiate/dual_price.hpp, in value per unit of c_j) and picks the argmax -- the primal step
// of Balseiro, Lu and Mirrokni's dual mirror descent, x_t = argmax f_t(x) - mu_t^T b_t(x).
//
// Ties follow MCPP's rule (plan/mcpp_planner.cpp): a later candidate replaces the best only if
// its score is larger by more than kTieTolerance, so ties go to the first. With every price 0
// the score is exactly v (v - 0 * c == v for finite c), hence the choice is exactly the
// unpriced one: negotiation changes nothing for a workflow that has no contention.
//
// Pure functions; uses and prices must be finite (0 * inf would be NaN).
#include <cstddef>
#include <optional>
#include <span>

namespace concord::negotiate {

/// Scores closer than this are a tie (MCPP's argmax tolerance on completion probabilities).
inline constexpr double kTieTolerance = 1e-12;

/// v - price * use (one resource).
inline double priced_score(double value, double use, double price) { return value - price * use; }

/// v - sum_j prices[j] * uses[j]. REQUIRES uses.size() == prices.size().
double priced_score(double value, std::span<const double> uses, std::span<const double> prices);

/// Index of the candidate with the largest priced score (ties: the first); nullopt if there are
/// none, or if the sizes do not match. One resource: candidate i has value values[i] and use uses[i]
/// (uses.size() == values.size()).
std::optional<std::size_t> priced_choice(std::span<const double> values, std::span<const double> uses, double price);

/// The same with R resources: candidate i uses uses[i * R + j] of resource j, R = prices.size()
/// (uses.size() == values.size() * R; otherwise nullopt).
std::optional<std::size_t> priced_choice(std::span<const double> values, std::span<const double> uses,
                                         std::span<const double> prices);

}  // namespace concord::negotiate

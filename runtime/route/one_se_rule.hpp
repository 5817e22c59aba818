#pragma once
// The one-standard-error rule (Breiman et al. 1984, "CART"; Hastie et al., ESL
// section 7.10) as an arm choice: among the arms whose predicted reward is within
// z standard errors of the best, take the one predicted cheapest. Predictions
// that close are statistically indistinguishable on the training data, and under
// a budget the cheaper arm leaves more money for retries (DESIGN.md section 1).
//
// Inputs for M arms:
//   mean[m]        predicted reward at this query (e.g. theta_m^T x), higher is better
//   cost[m]        predicted cost at this query (any unit; only the order matters)
//   pair_sd        M x M row-major: sd of the paired difference of arms (i, j)'s
//                  residuals on the training rows of the query's group (dataset)
//   se_scale       1 / sqrt(rows of that group): pair_sd x se_scale is the standard
//                  error of a difference of two arms' mean rewards on the group
//   group_mean[m]  (optional, empty = not used) arm m's mean training reward on the group
// Rule: b = argmax mean (ties: lower index). Arm m is eligible iff
//   mean[b] - mean[m] <= z * pair_sd[b][m] * se_scale, and, when group_mean is given,
//   group_mean[g] - group_mean[m] <= z * pair_sd[g][m] * se_scale with g = argmax group_mean:
// the training data cannot tell m from the best, neither for this query nor on its
// group as a whole. The choice is the eligible arm with the lowest cost (ties: higher
// mean, then lower index); b is always eligible. z = 0 is the greedy argmax (up to
// exact ties). Pure function; no allocation.
#include <cstddef>
#include <span>
#include <vector>

namespace concord::route {

/// REQUIRES: mean and cost of equal size M >= 1; pair_sd of size M * M; group_mean empty
/// or of size M; se_scale >= 0; z >= 0.
std::size_t one_se_choice(std::span<const double> mean, std::span<const double> cost, std::span<const double> pair_sd,
                          double se_scale, double z, std::span<const double> group_mean = {});

/// pair_sd from residuals (n rows x M arms, row-major): sqrt(mean over rows of (e_i - e_j)^2).
std::vector<double> paired_residual_sd(std::span<const double> residuals, std::size_t n, std::size_t arms);

}  // namespace concord::route

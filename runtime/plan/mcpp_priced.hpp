#pragma once
// MCPP's priced choice under contention (plan/mcpp_outlook.hpp): among the (candidate,
// continuation) pairs of a decision, the one with the largest
//   completion estimate - money_price x mean cost to go of its rollouts (dollars)
//                       - sum_m slot_price[m] x slot-seconds the candidate asks of model m now,
// with "wait" (value 0, no use) first: a pair must score more than waiting
// (negotiate/priced_choice.hpp; ties to the first). Used only under a positive price.
#include <cstdint>
#include <optional>
#include <vector>

#include "plan/mcpp_candidates.hpp"
#include "plan/mcpp_model.hpp"
#include "plan/mcpp_outlook.hpp"

namespace concord::mcpp {

/// Per pair (s x models + m): mean cost of one sample (dollars) and mean latency (seconds).
struct PairMeans {
  std::vector<double> cost_usd, latency_s;
};
PairMeans pair_means(const PlanModel& model);

/// A decision's rollout results, per pair index (candidate x models x |K| + model x |K| + k-level).
struct PricedPairs {
  const std::vector<std::int32_t>& successes;
  const std::vector<std::int32_t>& trials;
  const std::vector<double>& spent_usd;  // summed over the pair's rollouts
  std::int32_t most;                     // only pairs with this many rollouts compete
};

/// The pair to execute, or nullopt to wait. `k_levels`: |K|.
std::optional<std::size_t> priced_pair(const CandidateSet& cands, const PlanModel& model, std::size_t k_levels,
                                       const PricedPairs& pairs, const PairMeans& means, const McppOutlook& outlook);

}  // namespace concord::mcpp

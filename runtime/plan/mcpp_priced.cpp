#include "plan/mcpp_priced.hpp"

#include <algorithm>
#include <cmath>

#include "model/money.hpp"
#include "negotiate/priced_choice.hpp"

namespace concord::mcpp {

PairMeans pair_means(const PlanModel& model) {
  PairMeans out;
  const auto nm = static_cast<std::size_t>(model.num_models());
  const std::size_t pairs = static_cast<std::size_t>(model.num_subtasks()) * nm;
  out.cost_usd.assign(pairs, 0.0);
  out.latency_s.assign(pairs, 0.0);
  for (int s = 0; s < model.num_subtasks(); ++s)
    for (int m = 0; m < model.num_models(); ++m) {
      const PairProfile& p = model.pair(s, m);
      if (!p.can_run) continue;
      const std::size_t i = static_cast<std::size_t>(s) * nm + static_cast<std::size_t>(m);
      double cost = 0, latency = 0;
      if (p.count > 0) {
        for (std::uint32_t j = p.first; j < p.first + p.count; ++j) {
          cost += static_cast<double>(model.cost()[j]);
          latency += model.latency()[j];
        }
        cost /= p.count;
        latency /= p.count;
      } else {
        cost = static_cast<double>(p.parametric_cost);
        latency = std::exp(p.lognormal_mu + p.lognormal_sigma * p.lognormal_sigma / 2);
      }
      out.cost_usd[i] = cost / static_cast<double>(kPicoPerDollar);
      out.latency_s[i] = latency;
    }
  return out;
}

std::optional<std::size_t> priced_pair(const CandidateSet& cands, const PlanModel& model, std::size_t k_levels,
                                       const PricedPairs& pairs, const PairMeans& means, const McppOutlook& outlook) {
  const auto nm = static_cast<std::size_t>(model.num_models());
  const std::size_t per_candidate = nm * k_levels;
  const std::size_t resources = 1 + nm;  // dollars, then slot-seconds of each model
  std::vector<double> prices(resources, 0.0);
  prices[0] = outlook.money_price;
  for (std::size_t m = 0; m < nm && m < outlook.slot_price.size(); ++m) prices[1 + m] = outlook.slot_price[m];
  // "Wait" first (value 0, no use: under a positive price an action must be worth more than
  // what it uses), then one row per competing pair in pair order (ties go where MCPP's argmax
  // sends them).
  std::vector<double> values{0.0}, uses(resources, 0.0), action_slots(nm);
  std::vector<std::size_t> pair_of;
  for (std::size_t c = 0; c < cands.count(); ++c) {
    std::fill(action_slots.begin(), action_slots.end(), 0.0);
    const Choice* row = cands.row(c);
    for (std::size_t r = 0; r < cands.ready.size(); ++r) {
      if (row[r].k <= 0) continue;
      const std::size_t pi = static_cast<std::size_t>(cands.ready[r]) * nm + static_cast<std::size_t>(row[r].model);
      action_slots[static_cast<std::size_t>(row[r].model)] += row[r].k * means.latency_s[pi];
    }
    for (std::size_t j = 0; j < per_candidate; ++j) {
      const std::size_t i = c * per_candidate + j;
      if (pairs.trials[i] == 0 || pairs.trials[i] < pairs.most) continue;
      values.push_back(static_cast<double>(pairs.successes[i]) / pairs.trials[i]);
      uses.push_back(pairs.spent_usd[i] / pairs.trials[i]);  // mean cost to go of the pair's rollouts (dollars)
      uses.insert(uses.end(), action_slots.begin(), action_slots.end());
      pair_of.push_back(i);
    }
  }
  const auto chosen = negotiate::priced_choice(values, uses, prices);
  if (!chosen || *chosen == 0) return std::nullopt;
  return pair_of[*chosen - 1];
}

}  // namespace concord::mcpp

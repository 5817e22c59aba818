#include "plan/mcpp_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace concord::mcpp {

PlanModel::PlanModel(const FlatWorkflow& wf) : n_(wf.num_subtasks()), nm_(wf.num_models()) {
  if (n_ > kMaxSubtasks)
    throw std::invalid_argument(fmt::format("MCPP plans workflows of at most {} subtasks (got {})", kMaxSubtasks, n_));
  pairs_.resize(static_cast<std::size_t>(n_) * nm_);
  topo_ = wf.topological_order();
  parents_.resize(n_);
  first_model_.assign(n_, -1);
  for (int s = 0; s < n_; ++s) {
    parents_[s] = wf.parents(s);
    for (int m = 0; m < nm_; ++m) {
      const FlatProfile& fp = wf.profile(s, m);
      PairProfile& pp = pairs_[static_cast<std::size_t>(s) * nm_ + m];
      if (!fp.present) continue;
      if (first_model_[s] < 0) first_model_[s] = m;
      pp.can_run = true;
      pp.p_success = fp.p_success;
      pp.count = fp.count;
      pp.lognormal_mu = fp.lognormal_mu;
      pp.lognormal_sigma = fp.lognormal_sigma;
      pp.parametric_tokens = fp.parametric_tokens;
      pp.parametric_cost = wf.sample_cost(s, m, pp.parametric_tokens);
      pp.input_cost = wf.input_cost(s, m);
      pp.price_per_token = wf.price_per_token(m);
      pp.token_cap = wf.token_cap(m);
      pp.reservation = wf.reservation(s, m);
      if (fp.count > 0) {
        // Re-draw the recorded samples in order through FlatWorkflow's own arrays:
        // sample i of the pair is the i-th recorded sample.
        pp.first = static_cast<std::uint32_t>(latency_.size());
        for (std::uint32_t i = 0; i < fp.count; ++i) {
          const Draw d = wf.sample_at(s, m, i);
          latency_.push_back(d.latency_s);
          cost_.push_back(wf.sample_cost(s, m, d.output_tokens));
          success_.push_back(d.success ? 1 : 0);
          tokens_.push_back(d.output_tokens);
        }
      }
    }
  }
}

bool PlanModel::can_run_all(int m, const std::vector<int>& subtasks) const {
  for (int s : subtasks)
    if (!pair(s, m).can_run) return false;
  return true;
}

}  // namespace concord::mcpp

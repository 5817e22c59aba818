#include "plan/simple_policies.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "model/input_error.hpp"

namespace concord {

FixedPolicy::FixedPolicy(int model, int k, std::string model_id) : model_(model), k_(k), model_id_(std::move(model_id)) {}

std::string FixedPolicy::name() const { return fmt::format("seq:{}:{}", model_id_, k_); }

void FixedPolicy::decide(const SimState& state, Rng&, std::vector<Assignment>& out) {
  for (int s : state.dispatchable) out.push_back({s, model_, k_});
}

namespace {

/// k such that 1 - (1-p)^k >= target, in [1, max_k].
int samples_for(double p, double target, int max_k) {
  if (p <= 0) return max_k;
  if (p >= 1) return 1;
  const double k = std::ceil(std::log(1.0 - target) / std::log(1.0 - p));
  return static_cast<int>(std::clamp(k, 1.0, static_cast<double>(max_k)));
}

class CheapestPolicy final : public Policy {
 public:
  std::string name() const override { return "cheapest"; }
  void decide(const SimState& state, Rng&, std::vector<Assignment>& out) override {
    const FlatWorkflow& wf = *state.workflow;
    for (int s : state.dispatchable) {
      int best = -1;
      Money best_cost = 0;
      for (int m = 0; m < wf.num_models(); ++m) {
        if (!wf.can_run(s, m)) continue;
        const Money c = wf.expected_sample_cost(s, m);
        if (best < 0 || c < best_cost) best = m, best_cost = c;
      }
      out.push_back({s, best, 1});
    }
  }
};

}  // namespace

void GreedyPolicy::decide(const SimState& state, Rng&, std::vector<Assignment>& out) {
  const FlatWorkflow& wf = *state.workflow;
  Money left = state.remaining_budget();
  for (int s : state.dispatchable) {
    int best = -1, best_k = 1;
    double best_cost = std::numeric_limits<double>::infinity(), best_lat = 0;
    for (int m = 0; m < wf.num_models(); ++m) {
      if (!wf.can_run(s, m)) continue;
      const FlatProfile& p = wf.profile(s, m);
      const int k = samples_for(p.p_success, target_, max_k_);
      const double cost = k * static_cast<double>(wf.expected_sample_cost(s, m));
      if (best < 0 || cost < best_cost || (cost == best_cost && p.mean_latency_s < best_lat)) {
        best = m, best_k = k, best_cost = cost, best_lat = p.mean_latency_s;
      }
    }
    if (state.semantics == Semantics::runtime) {
      // Saturating: a reservation near the money limit times k, or a budget already overdrawn,
      // must not overflow (found by fuzz_episode).
      const Money per = wf.reservation(s, best);  // >= 0
      while (best_k > 1 && saturating_mul(per, best_k) > left) --best_k;
      left = saturating_add(left, -saturating_mul(per, best_k));
    }
    out.push_back({s, best, best_k});
  }
}

std::unique_ptr<Policy> make_simple_policy(const std::string& name, const FlatWorkflow& wf) {
  if (name == "greedy") return std::make_unique<GreedyPolicy>();
  if (name == "cheapest") return std::make_unique<CheapestPolicy>();
  if (name.rfind("seq:", 0) == 0) {
    const auto colon = name.rfind(':');
    const std::string model = name.substr(4, colon > 4 ? colon - 4 : std::string::npos);
    const int m = wf.model_index(model);
    if (colon <= 4 || m < 0) {
      std::string known;
      for (int i = 0; i < wf.num_models(); ++i) known += (i ? ", " : "") + wf.model_id(i);
      throw InputError("--policy", "", fmt::format("\"{}\": expected seq:MODEL:K with MODEL one of: {}", name, known));
    }
    int k = 0;
    try {
      std::size_t used = 0;
      k = std::stoi(name.substr(colon + 1), &used);
      if (used != name.size() - colon - 1) k = 0;
    } catch (const std::exception&) {
      k = 0;
    }
    if (k < 1 || k > kMaxSamplesPerAssignment)
      throw InputError("--policy", "", fmt::format("\"{}\": K must be an integer in 1..{}", name, kMaxSamplesPerAssignment));
    for (int s = 0; s < wf.num_subtasks(); ++s)
      if (!wf.can_run(s, m))
        throw InputError("--policy", "", fmt::format("\"{}\": model {} has no profile for subtask \"{}\"", name, model, wf.subtask_id(s)));
    return std::make_unique<FixedPolicy>(m, k, model);
  }
  throw InputError("--policy", "", fmt::format("unknown policy \"{}\" (expected greedy, cheapest or seq:MODEL:K)", name));
}

}  // namespace concord

#include "plan/baselines.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/rng.hpp"

namespace concord {

std::string BaselineSpec::name() const {
  switch (kind) {
    case BaselineKind::sequential: return fmt::format("sequential_{}", width);
    case BaselineKind::uniform: return "uniform";
    case BaselineKind::random: return "random";
    case BaselineKind::latency_weighted: return "latency_weighted";
    case BaselineKind::success_rate_weighted: return "success_rate_weighted";
    case BaselineKind::critical_path_static: return "critical_path_static";
  }
  return "?";
}

std::vector<BaselineSpec> all_baselines() {
  std::vector<BaselineSpec> out;
  for (int w : {1, 2, 4, 8, 16, 32, 64}) out.push_back({BaselineKind::sequential, w});
  for (auto k : {BaselineKind::uniform, BaselineKind::random, BaselineKind::latency_weighted,
                 BaselineKind::success_rate_weighted, BaselineKind::critical_path_static})
    out.push_back({k, 1});
  return out;
}

std::optional<BaselineSpec> baseline_by_name(const std::string& name) {
  if (name == "sequential") return BaselineSpec{BaselineKind::sequential, 1};
  for (const auto& b : all_baselines())
    if (b.name() == name) return b;
  return std::nullopt;
}

bool model_runs_all(const FlatWorkflow& wf, int m) {
  for (int s = 0; s < wf.num_subtasks(); ++s)
    if (!wf.can_run(s, m)) return false;
  return wf.num_subtasks() > 0;
}

std::vector<double> longest_latency_to_sink(const FlatWorkflow& wf, int m) {
  // The reference's longest_path_dist_from_nodes: dist[u] = cost[u] + max over children dist.
  std::vector<double> dist(static_cast<std::size_t>(wf.num_subtasks()), 0.0);
  const auto& topo = wf.topological_order();
  for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
    const int u = *it;
    double best = 0;
    for (int c : wf.children(u)) best = std::max(best, dist[c]);
    dist[u] = wf.profile(u, m).mean_latency_s + best;
  }
  return dist;
}

std::vector<double> baseline_shares(const FlatWorkflow& wf, BaselineKind kind, int m, Money budget,
                                    std::uint64_t dirichlet_seed) {
  const int n = wf.num_subtasks();
  const double b = static_cast<double>(budget);
  std::vector<double> w(static_cast<std::size_t>(n), 1.0);
  switch (kind) {
    case BaselineKind::sequential:
    case BaselineKind::uniform:
      break;  // budget / n each
    case BaselineKind::random: {
      // Dirichlet(1, ..., 1) = normalised Exp(1) draws (numpy's Generator.dirichlet does the
      // same with its own gamma sampler; the stream differs from the reference's, the law does not).
      Rng rng(dirichlet_seed);
      for (auto& x : w) x = -std::log1p(-rng.uniform());
      break;
    }
    case BaselineKind::latency_weighted:
      for (int s = 0; s < n; ++s) w[s] = std::max(wf.profile(s, m).mean_latency_s, 1e-9);
      break;
    case BaselineKind::success_rate_weighted:
      for (int s = 0; s < n; ++s) w[s] = std::max(1.0 - wf.profile(s, m).p_success, 1e-9);
      break;
    case BaselineKind::critical_path_static:
      w = longest_latency_to_sink(wf, m);
      break;
  }
  double total = 0;
  for (double x : w) total += x;
  // The reference guards every total with max(total, 1e-12).
  total = std::max(total, kind == BaselineKind::uniform || kind == BaselineKind::sequential ? 1.0 : 1e-12);
  std::vector<double> out(static_cast<std::size_t>(n));
  for (int s = 0; s < n; ++s) out[s] = b * w[s] / total;
  return out;
}

std::vector<int> baseline_allocation(const FlatWorkflow& wf, const BaselineSpec& spec, int m, Money budget,
                                     std::uint64_t dirichlet_seed) {
  const int n = wf.num_subtasks();
  if (spec.kind == BaselineKind::sequential) return std::vector<int>(static_cast<std::size_t>(n), spec.width);
  const auto shares = baseline_shares(wf, spec.kind, m, budget, dirichlet_seed);
  std::vector<int> r(static_cast<std::size_t>(n));
  for (int s = 0; s < n; ++s) {
    // c_v: the expected cost of one sample (at least one picodollar, as the reference floors its costs).
    const double c = static_cast<double>(std::max<Money>(wf.expected_sample_cost(s, m), 1));
    const double q = std::floor(shares[s] / c);
    r[s] = static_cast<int>(std::clamp(q, 1.0, static_cast<double>(kMaxSamplesPerAssignment)));
  }
  return r;
}

BaselinePolicy::BaselinePolicy(const FlatWorkflow& wf, BaselineSpec spec, int model, Money budget,
                               std::uint64_t dirichlet_seed)
    : spec_(spec), model_(model), model_id_(wf.model_id(model)),
      alloc_(baseline_allocation(wf, spec, model, budget, dirichlet_seed)),
      dispatched_(static_cast<std::size_t>(wf.num_subtasks()), 0) {
  if (!model_runs_all(wf, model))
    throw std::invalid_argument(fmt::format("baseline {}: model {} cannot run every subtask", spec.name(), model_id_));
  if (spec.kind == BaselineKind::sequential && (spec.width < 1 || spec.width > kMaxSamplesPerAssignment))
    throw std::invalid_argument(fmt::format("baseline sequential: width {} out of range", spec.width));
}

std::string BaselinePolicy::name() const { return spec_.name() + "@" + model_id_; }

void BaselinePolicy::reset() { std::fill(dispatched_.begin(), dispatched_.end(), 0); }

void BaselinePolicy::decide(const SimState& state, Rng&, std::vector<Assignment>& out) {
  for (int s : state.dispatchable) {
    if (spec_.is_static()) {
      if (dispatched_[s]) continue;  // launched once, no retry
      dispatched_[s] = 1;
    }
    out.push_back({s, model_, alloc_[s]});
  }
}

}  // namespace concord

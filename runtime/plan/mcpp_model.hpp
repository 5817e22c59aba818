#pragma once
// The planner's view of a workflow: what a rollout needs, flattened into
// contiguous arrays (DESIGN.md §4: no allocation inside a rollout).
// Built once per workflow from a FlatWorkflow; immutable and shared by threads.
#include <cstdint>
#include <vector>

#include "model/limits.hpp"
#include "model/money.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::mcpp {

/// Largest workflow the planner accepts: every workflow the readers accept.
inline constexpr int kMaxSubtasks = limits::kMaxSubtasks;

/// What a (subtask, model) pair draws from.
struct PairProfile {
  bool can_run = false;
  std::uint32_t first = 0;  // empirical samples: range in the model's arrays
  std::uint32_t count = 0;  // 0: parametric
  double p_success = 0;     // used to redraw the success of in-flight samples
  double lognormal_mu = 0, lognormal_sigma = 0;  // parametric latency
  Money parametric_cost = 0;                     // parametric: the mean tokens' cost
  // Runtime semantics (token caps, reservations, pro-rata cancellation):
  Money input_cost = 0;           // per sample, charged in full
  Money price_per_token = 0;      // output tokens
  std::int64_t token_cap = 0;     // a sample reaching it stops there and fails
  Money reservation = 0;          // worst case of one sample: input + cap x price
  std::int64_t parametric_tokens = 0;
};

class PlanModel {
 public:
  explicit PlanModel(const FlatWorkflow& wf);

  int num_subtasks() const { return n_; }
  int num_models() const { return nm_; }
  const PairProfile& pair(int s, int m) const { return pairs_[static_cast<std::size_t>(s) * nm_ + m]; }
  const std::vector<int>& topological_order() const { return topo_; }
  const std::vector<int>& parents(int s) const { return parents_[s]; }
  /// The first model (in workflow order) that can run s: the reference's "first model".
  int first_model(int s) const { return first_model_[s]; }
  /// Models that can run every subtask in `subtasks`, in workflow order.
  bool can_run_all(int m, const std::vector<int>& subtasks) const;

  // Samples, struct-of-arrays (latency seconds, cost picodollars, success 0/1).
  const double* latency() const { return latency_.data(); }
  const Money* cost() const { return cost_.data(); }
  const std::uint8_t* success() const { return success_.data(); }
  const std::int64_t* tokens() const { return tokens_.data(); }

 private:
  int n_ = 0, nm_ = 0;
  std::vector<PairProfile> pairs_;
  std::vector<int> topo_, first_model_;
  std::vector<std::vector<int>> parents_;
  std::vector<double> latency_;
  std::vector<Money> cost_;
  std::vector<std::uint8_t> success_;
  std::vector<std::int64_t> tokens_;
};

}  // namespace concord::mcpp

#pragma once
// The MCPP paper's baselines (DESIGN.md §4), as in its reference code
// (LOADER_policies.py + experiment runner). Each runs ONE model m on every
// subtask (the reference runs single-model pools). The reference simulates
// them without a deadline (EpisodeConfig{reference, atomic_launch = false,
// deadline = infinity}) and scores them by makespan <= D.
//
//   sequential_w  (w = 1, 2, 4, 8, 16, 32, 64) every ready subtask gets w samples;
//                 a batch that fails is retried with w samples (the reference's
//                 "sequential", "sequential_2", ...).
//   static baselines: a per-subtask budget share b_v (sum_v b_v = B) fixed before
//                 the run; subtask v gets r_v = max(1, floor(b_v / c_v)) samples
//                 when it first becomes ready, launched once, never retried
//                 (c_v = expected cost of one sample of m on v, picodollars: the
//                 reference's output_money_cost_mean budget mode):
//     uniform                b_v = B / |V|
//     random                 b_v = B * f_v, f ~ Dirichlet(1, ..., 1) (one draw per trial)
//     latency_weighted       b_v ∝ max(mean latency_v, 1e-9)
//     success_rate_weighted  b_v ∝ max(1 - p_v, 1e-9)
//     critical_path_static   b_v ∝ longest mean-latency path from v to a sink (v included)
// r_v is capped at kMaxSamplesPerAssignment (the simulator's limit; the
// reference has none, but its per-sample launch stops at the budget anyway).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/money.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"

namespace concord {

enum class BaselineKind : std::uint8_t {
  sequential,
  uniform,
  random,
  latency_weighted,
  success_rate_weighted,
  critical_path_static,
};

struct BaselineSpec {
  BaselineKind kind = BaselineKind::sequential;
  int width = 1;  // sequential only: samples per batch
  /// "sequential_1".."sequential_64", "uniform", "random", "latency_weighted",
  /// "success_rate_weighted", "critical_path_static".
  std::string name() const;
  bool is_static() const { return kind != BaselineKind::sequential; }
  friend bool operator==(const BaselineSpec&, const BaselineSpec&) = default;
};

/// The 12 baselines in the reference's order (sequential_1 .. _64, then the static ones).
std::vector<BaselineSpec> all_baselines();
/// By name (as BaselineSpec::name()); "sequential" is accepted for sequential_1.
std::optional<BaselineSpec> baseline_by_name(const std::string& name);

/// Can model m run every subtask (a baseline needs one model for all of them)?
bool model_runs_all(const FlatWorkflow& wf, int m);

/// Budget shares b_v in picodollars (as doubles, summing to `budget` up to rounding)
/// of a static baseline with model m. `dirichlet_seed` is used by `random` only.
std::vector<double> baseline_shares(const FlatWorkflow& wf, BaselineKind kind, int m, Money budget,
                                    std::uint64_t dirichlet_seed);

/// Samples per subtask r_v = clamp(floor(b_v / c_v), 1, kMaxSamplesPerAssignment) of a
/// static baseline; for sequential_w, w for every subtask.
std::vector<int> baseline_allocation(const FlatWorkflow& wf, const BaselineSpec& spec, int m, Money budget,
                                     std::uint64_t dirichlet_seed);

/// Longest mean-latency path (model m) from each subtask to a sink, the subtask included.
std::vector<double> longest_latency_to_sink(const FlatWorkflow& wf, int m);

/// A baseline as a Policy. REQUIRES: model_runs_all(wf, model). The allocation is
/// computed once, at construction, from `budget`. Use with atomic_launch = false.
class BaselinePolicy final : public Policy {
 public:
  BaselinePolicy(const FlatWorkflow& wf, BaselineSpec spec, int model, Money budget, std::uint64_t dirichlet_seed = 0);
  /// "uniform@goedel32b".
  std::string name() const override;
  void reset() override;
  void decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) override;

  const BaselineSpec& spec() const { return spec_; }
  int model() const { return model_; }
  const std::vector<int>& allocation() const { return alloc_; }

 private:
  BaselineSpec spec_;
  int model_;
  std::string model_id_;
  std::vector<int> alloc_;
  std::vector<std::uint8_t> dispatched_;  // static baselines: launched once
};

}  // namespace concord

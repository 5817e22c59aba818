#pragma once
// Simple built-in policies, used by `concord run` until the MCPP planner lands
// and as reference points in tests. (The paper's baselines live in plan/ too.)
#include <memory>
#include <string>

#include "sim/policy.hpp"

namespace concord {

/// Every dispatchable subtask gets (model, k), failures retried the same way:
/// the paper's Seq-(m, k) continuation policy.
class FixedPolicy final : public Policy {
 public:
  FixedPolicy(int model, int k, std::string model_id);
  std::string name() const override;
  void decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) override;

 private:
  int model_, k_;
  std::string model_id_;
};

/// Per subtask, the model and k that reach a per-attempt success probability of
/// `target` (k <= max_k) at the least expected cost; ties go to the faster model.
/// Under runtime semantics k shrinks so that the batch's reservation fits the
/// budget left (never below 1).
class GreedyPolicy final : public Policy {
 public:
  explicit GreedyPolicy(double target = 0.9, int max_k = 8) : target_(target), max_k_(max_k) {}
  std::string name() const override { return "greedy"; }
  void decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) override;

 private:
  double target_;
  int max_k_;
};

/// Policy names accepted by `concord run --policy`:
///   greedy            (default) see GreedyPolicy
///   cheapest          k = 1 of the model with the least expected sample cost
///   seq:MODEL:K       FixedPolicy(MODEL, K)
/// Throws InputError(source = "--policy") for an unknown name, model or bad K.
std::unique_ptr<Policy> make_simple_policy(const std::string& name, const FlatWorkflow& wf);

}  // namespace concord

#pragma once
// MCPP — Monte Carlo Portfolio Planning (DESIGN.md §4), as a Policy.
//
// At every replan point: candidate actions over the dispatchable ready set;
// for every (candidate a, continuation model m, continuation k), M simulated
// trajectories that apply a, then Seq-(m, k) until done or out of budget/time;
// Q(a, m, k) = the fraction that complete; execute argmax_a max_{m,k} Q (ties:
// the first in candidate order, then m, then k).
//
// Thread safety: one planner per simulator; decide() parallelises internally
// with TBB and gives the same answer on any number of threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plan/mcpp_config.hpp"
#include "plan/mcpp_outlook.hpp"
#include "sim/policy.hpp"

namespace concord {

namespace mcpp {
struct CandidateSet;
}

/// Statistics of the last decision (for benchmarks and reports).
struct McppDecisionStats {
  int candidates = 0;
  int continuations = 0;   // continuation policies Seq-(m, k) evaluated (fewer than |models| x |K| under re-use)
  std::int64_t trajectories = 0;
  double best_q = 0;       // estimated completion probability of the chosen action
  int best_continuation_model = -1;
  int best_continuation_k = 0;
  double seconds = 0;      // wall time of the decision
  std::int64_t work = 0;   // work units spent (McppConfig::work_budget)
  bool truncated = false;  // the work budget or the wall cap cut the decision short
  bool fallback = false;   // truncated with no successful rollout: the greedy heuristic's action was returned
  // Predicted probability that the run completes within budget and deadline (the calibrated
  // promise): best_q, or with McppConfig::promise_rollouts > 0 the fresh estimate of the chosen
  // action (then promise_trials rollouts). A fallback decision promises 0.
  double promise = 0;
  std::int64_t promise_trials = 0;
  bool priced_wait = false;  // under positive prices no pair beat waiting: nothing was launched
};

class McppPlanner final : public Policy {
 public:
  McppPlanner(const FlatWorkflow& wf, McppConfig config = {});
  ~McppPlanner() override;
  McppPlanner(const McppPlanner&) = delete;
  McppPlanner& operator=(const McppPlanner&) = delete;

  std::string name() const override;
  void reset() override;
  void decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) override;

  const McppDecisionStats& last_decision() const { return last_; }

  /// Planning with a posterior (issue 12, docs/learning.md): `draws` holds `sets` parameter sets
  /// drawn from the posterior, draws[(set x subtasks + s) x models + m] for every pair (pairs
  /// that cannot run are ignored). Every rollout then picks one set with its own stream (none
  /// when sets == 1) and draws every sample of a pair parametrically from it (log-normal latency,
  /// Bernoulli success, the set's tokens), recorded samples of the workflow unused; in-flight
  /// samples are redrawn with the sets' mean p. Off by default (and after clear_profile_draws()):
  /// every decision is then exactly what it was. Deterministic: same draws, seed and state, same
  /// decision on any number of threads. Memory: sets x pairs x 40 bytes.
  /// Throws std::invalid_argument if draws.size() != sets x subtasks x models or sets < 1.
  void set_profile_draws(const std::vector<ParametricProfile>& draws, int sets);
  void clear_profile_draws();
  /// Planning under contention (issue 13, plan/mcpp_outlook.hpp): queueing delays in the
  /// rollouts and posted prices in the choice, for every later decision until clear_outlook().
  /// A neutral outlook (no queue, every price 0) leaves every decision exactly as without one.
  void set_outlook(const McppOutlook& outlook);
  void clear_outlook();
  /// Wall time of every decision since reset(), in seconds.
  const std::vector<double>& decision_seconds() const { return decision_seconds_; }

 private:
  struct Impl;
  /// Re-use between decisions: keeps the best `reuse_continuations` continuation policies
  /// of this decision for the next one.
  void remember_continuations(std::size_t per_candidate);
  /// The pair to execute under positive prices (plan/mcpp_outlook.hpp): among the pairs with
  /// `most` rollouts, the largest priced score (ties: the first); nullopt when no pair scores
  /// more than waiting (value 0, no use).
  std::optional<std::size_t> priced_best(const mcpp::CandidateSet& cands, std::int32_t most);
  std::unique_ptr<Impl> impl_;
  McppConfig config_;
  McppDecisionStats last_;
  std::vector<double> decision_seconds_;
  int decisions_since_full_ = 0;  // re-use: decisions since all continuations were last evaluated
};

}  // namespace concord

#pragma once
// The two-stage beacon router (DESIGN.md §5): beacons -> CandidateTable ->
// screen (top L live matches) -> LinUCB pick -> dispatch; the outcome arrives
// later (on_outcome) and is credited, through the pending-dispatch table, to the
// arm and the exact features the dispatch was scored with. Dispatches whose
// outcome has not arrived `outcome_timeout_s` seconds after dispatch are
// credited as failures (reward 0) by expire(); a late outcome is then ignored.
// Time: seconds on one clock shared with the beacons' timestamps.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "route/candidate_table.hpp"
#include "route/features.hpp"
#include "route/pending.hpp"
#include "route/reward.hpp"
#include "route/screening.hpp"
#include "route/selector.hpp"
#include "sim/rng.hpp"

namespace concord::route {

struct RouterConfig {
  CandidateTableConfig table;
  ScreenConfig screen;
  FeatureConfig features;
  SelectorConfig selector;
  RewardConfig reward;
  double outcome_timeout_s = 60.0;  // > 0: no outcome after this long = failure
  void validate() const;            // throws std::invalid_argument naming the field
};

struct Dispatch {
  std::uint64_t id = 0;  // dispatch id (1, 2, ...), the key of its outcome
  std::string worker_id;
  std::string model_id;
  double match = 0;
  std::size_t candidates = 0;  // how many passed screening
};

enum class OutcomeStatus { credited, ignored };

class Router {
 public:
  Router(RouterConfig cfg, std::uint64_t seed);

  CandidateTable& table() { return table_; }
  const CandidateTable& table() const { return table_; }
  LinUcbSelector& selector() { return selector_; }
  const LinUcbSelector& selector() const { return selector_; }
  const RouterConfig& config() const { return cfg_; }

  /// Screens and picks a worker for a subtask with this requirement vector;
  /// nullopt when no live worker passes screening.
  std::optional<Dispatch> route(std::span<const double> requirement, double now_s);

  /// Credits the outcome of a pending dispatch (ignored when unknown/expired/duplicate).
  OutcomeStatus on_outcome(std::uint64_t dispatch_id, const Outcome& o);

  /// Drops a pending dispatch without crediting anything: its sample was cancelled by the
  /// caller (a sibling succeeded, the deadline passed) or re-dispatched after the worker died,
  /// which says nothing about the worker's quality. False when unknown.
  bool forget(std::uint64_t dispatch_id);

  /// Credits every dispatch older than the timeout as a failure; returns how many.
  std::size_t expire(double now_s);

  std::size_t pending() const { return pending_.size(); }
  const ScreenCounts& last_screen() const { return counts_; }
  /// Candidates of the last route() call (indices into table().entries()).
  const std::vector<Candidate>& last_candidates() const { return cands_; }

 private:
  RouterConfig cfg_;
  CandidateTable table_;
  LinUcbSelector selector_;
  PendingTable pending_;
  std::uint64_t next_id_ = 1;
  std::size_t dim_;
  Rng tiebreak_;  // screening's tie-break values: one per route() call
  std::vector<Candidate> cands_;
  std::vector<double> x_;
  std::vector<std::size_t> arms_;
  ScreenCounts counts_;
};

}  // namespace concord::route

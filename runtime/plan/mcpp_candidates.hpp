#pragma once
// Candidate actions of MCPP over the dispatchable ready set R (DESIGN.md §4),
// in the reference's order:
//   1. uniform actions: for each k in K: (first model of each subtask, k) for all
//      of R, then (m, k) for all of R for every model m that can run all of R;
//   2. if |R| <= random_free and the full product of per-subtask (model, k) has at
//      most max_exact_actions actions: that product (first subtask varies slowest);
//   3. otherwise random_free subtasks drawn at random get the full product and the
//      others share (first model, k) for every k in K (only K[0] if there are none);
// duplicates dropped (first occurrence kept), at most max_candidates actions.
#include <cstdint>
#include <vector>

#include "plan/mcpp_config.hpp"
#include "plan/mcpp_model.hpp"
#include "sim/rng.hpp"

namespace concord::mcpp {

/// (model, k) for one subtask of an action.
struct Choice {
  std::int32_t model = 0;
  std::int32_t k = 0;
  friend bool operator==(const Choice&, const Choice&) = default;
};

/// Candidates as rows of |ready| choices, in `ready` order (row-major).
struct CandidateSet {
  std::vector<int> ready;
  std::vector<Choice> choices;  // size() == count() * ready.size()
  std::size_t count() const { return ready.empty() ? 0 : choices.size() / ready.size(); }
  const Choice* row(std::size_t i) const { return choices.data() + i * ready.size(); }
};

/// `rng` draws the free subtasks (step 3 only).
CandidateSet generate_candidates(const PlanModel& model, const std::vector<int>& ready, const McppConfig& config, Rng& rng);

/// Deferral (runtime semantics only): appends, for every uniform action (the first
/// `uniform` rows) and every position i, the same action with subtask i held back
/// (k = 0), as long as the cap allows. Needs |ready| >= 2.
void add_deferrals(CandidateSet& set, std::size_t uniform, std::size_t cap);

}  // namespace concord::mcpp

#pragma once
// Parameters of the MCPP planner (DESIGN.md §4). Defaults are the reference's
// faithful mode; every improvement is an option measured against it.
#include <cstdint>
#include <vector>

namespace concord {

struct McppConfig {
  // -- faithful mode (the MCPP reference's procedure) --
  std::vector<int> k_levels{1, 4, 16, 64};  // K: sample counts of candidates and Seq-(m, k) continuations
  int rollouts = 64;                 // M: trajectories per (candidate, continuation model, continuation k)
  int random_free = 3;               // free subtasks enumerated when the ready set is wide
  int max_exact_actions = 64;        // full product only when it has at most this many actions
  int max_candidates = 2048;         // cap on candidate actions (uniform actions are kept first)
  int max_rollout_steps = 10000;     // replan points per trajectory before it counts as a failure
  std::uint64_t seed = 1;            // decisions are deterministic given the seed and the state
  int threads = 0;                   // 0: all cores (results do not depend on it)

  // -- options beyond the paper (off in faithful mode) --
  bool common_random_numbers = false;  // the same M random streams for every candidate
  bool racing = false;                 // successive halving: drop candidates that cannot win
  double racing_delta = 0.05;          // racing: elimination confidence
};

/// The faithful configuration (the defaults).
inline McppConfig mcpp_faithful() { return McppConfig{}; }

}  // namespace concord

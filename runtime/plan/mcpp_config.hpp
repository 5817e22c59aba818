#pragma once
// Parameters of the MCPP planner (DESIGN.md §4). Defaults are the reference's
// faithful mode; every improvement is an option measured against it.
#include <cstdint>
#include <string>
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

  // -- anytime planning (bounded decision time for any workflow size) --
  // Work budget of one decision: samples drawn in rollouts, counted exactly. Candidates are
  // capped first so that each can afford its first round (min(M, 16) rollouts, racing:
  // racing_first), estimating a rollout of Seq-(m, k) from r subtasks left at r x k draws;
  // later rounds run only while the budget lasts, sized from what the last round drew (a
  // rollout draws at most 256 x its estimate, then counts as failed). The decision returns
  // the best pair evaluated. Deterministic: same seed and state, same decision. The default
  // is far above every ProofFlow and CodeFlow decision (docs/mcpp.md), which are therefore
  // exactly what they were without a budget.
  std::int64_t work_budget = std::int64_t{1} << 32;
  // Wall-time cap of one decision in seconds (0: none). When it passes, no more rollouts
  // start and the best pair among those with the most rollouts is returned (with none at
  // all, the greedy action: McppDecisionStats::fallback). Not reproducible: for deployments that prefer an answer on time.
  double max_decision_seconds = 0;

  // -- options beyond the paper (off in faithful mode) --
  bool common_random_numbers = false;  // the same M random streams for every candidate
  bool racing = false;                 // successive halving: rollouts go to pairs that can still win
  int racing_first = 16;               // racing: rollouts per pair in the first round (then doubled)
  int racing_max = 256;                // racing: most rollouts a pair receives
  double racing_z = 2.0;               // racing: a pair is dropped when q + z se < q_best - z se_best
  bool deferral = false;               // runtime semantics: candidates may hold one ready subtask back (k = 0)
  bool runtime_rollouts = true;        // under runtime semantics, roll out with token caps, reservations
                                       // and cancellation (under reference semantics rollouts are always reference)
  int reuse_continuations = 0;         // re-use between decisions: > 0 evaluates only the continuation
                                       // policies Seq-(m, k) that ranked in the top N at the previous
                                       // decision of the episode (the first decision evaluates all)
  int reuse_refresh = 0;               // re-use: every this many decisions evaluate all again (0: never)

  // -- calibrated promise (issue 12; docs/learning.md) --
  // > 0: after choosing, the decision re-estimates the completion probability of the chosen
  // (candidate, continuation) with this many fresh rollouts on streams of their own
  // (McppDecisionStats::promise): the argmax's own Q is biased upwards (the best of many noisy
  // estimates). 0: promise = best_q. Changes no decision.
  int promise_rollouts = 0;
};

/// The faithful configuration (the defaults).
inline McppConfig mcpp_faithful() { return McppConfig{}; }

/// A configuration by name: a preset, "faithful" (the reference's procedure) or "best" (what
/// Concord uses by default; see docs/mcpp.md for the measurements that chose it), optionally
/// followed by options joined with '+': crn, racing, k6 (K = {1,2,4,8,16,64}), capN (at most
/// N candidates), MN (N rollouts per pair), defer, reuseN, refreshN; see mcpp_option_help(). A spec that
/// starts with an option starts from faithful: "racing+k6" = "faithful+racing+k6".
/// Throws std::invalid_argument naming the offending part.
McppConfig mcpp_preset(const std::string& spec);

/// The preset names mcpp_preset accepts, for help texts.
std::vector<std::string> mcpp_preset_names();

/// One line per option part, for help texts.
std::string mcpp_option_help();

}  // namespace concord

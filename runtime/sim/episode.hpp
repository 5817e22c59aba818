#pragma once
// The outcome of one simulated episode.
#include <atomic>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "model/money.hpp"
#include "sim/policy.hpp"

namespace concord {

enum class EndReason : std::uint8_t {
  completed,           // every subtask completed within budget and deadline
  budget_exhausted,    // reference: an action cost more than the budget left; runtime: a reservation was denied with nothing in flight
  deadline_exhausted,  // reference: an action's slowest sample would end after the deadline; runtime: the deadline passed
  stalled,             // runtime: the policy deferred every dispatchable subtask with nothing in flight
  no_worker_left,      // actor runtime: every worker of a model the plan needs is gone
  attempts_exhausted,  // a subtask failed limits::kMaxAttemptsPerSubtask batches: the run gives up on it
  interrupted,         // the user stopped the run (SIGINT/SIGTERM); in-flight samples were cancelled and settled
  coordinator_restarted,  // the node hosting the run died and restarted with its --data-dir: the journaled ledger
                          // was replayed and every in-flight reservation charged in full (docs/ledger.md)
};

std::string_view to_string(EndReason r);
std::string_view to_string(Semantics s);

struct EpisodeConfig {
  Semantics semantics = Semantics::runtime;
  Money budget = 0;
  double deadline_s = std::numeric_limits<double>::infinity();  // infinity: no deadline
  std::uint64_t seed = 1;
  /// Reference semantics only. true: the MCPP reference's atomic action launch (all
  /// samples drawn first; the whole action fails on budget or deadline). false: the
  /// reference's launch for its baselines: larger batches first, sample by sample, each
  /// charged if the budget left covers it, else the rest of that batch is dropped.
  bool atomic_launch = true;
  /// When set and it becomes true (e.g. from a SIGINT handler), the run stops at its next
  /// event: in-flight samples are cancelled and charged pro-rata, reason `interrupted`.
  const std::atomic<bool>* stop = nullptr;
};

/// One batch: k samples of one model launched on one subtask.
struct AttemptTrace {
  int subtask = 0;
  int attempt = 0;  // 1-based, per subtask
  int model = 0;
  int k = 0;
  double start_s = 0;
  double end_s = 0;    // when the batch ended (or the episode, if it was cut short)
  int successes = 0;   // samples that finished successfully
  int failures = 0;    // samples that finished unsuccessfully (including truncated)
  int truncated = 0;   // runtime: samples that hit the token cap
  int cancelled = 0;   // runtime: samples cut short (sibling succeeded, or the episode ended)
  Money cost = 0;      // charged for this batch
  bool finished = false;   // the batch ran to its end
  bool succeeded = false;  // the subtask completed with this batch
};

struct EpisodeResult {
  bool completed = false;
  EndReason reason = EndReason::completed;
  double makespan_s = 0;  // completion time of the last subtask, or when the episode ended
  Money spend = 0;
  int subtasks_done = 0;
  int decisions = 0;  // policy calls
  std::vector<AttemptTrace> attempts;  // in launch order
};

}  // namespace concord

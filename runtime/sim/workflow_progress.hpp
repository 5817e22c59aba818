#pragma once
// The progress of one workflow run through its DAG (DESIGN.md §3), the one state machine that the
// simulator (sim/simulator.cpp) and the workflow actor (actors/workflow_actor.cpp) both drive:
// which subtasks are blocked, ready, running or done, how many batches each has launched, and
// when the run can no longer go on. Events in (launch, refuse, end_batch, abandon), facts out;
// no clock, no money, no CAF. Allocation-free after construction.
#include <span>
#include <vector>

#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"

namespace concord {

class WorkflowProgress {
 public:
  explicit WorkflowProgress(const FlatWorkflow& wf);
  /// Back to the start: roots ready, everything else blocked, no attempt.
  void reset();

  // Events. REQUIRES (checked by assert): the status each names.
  /// A batch of ready subtask s starts: s is running. Returns the batch's attempt number (1-based).
  int launch(int s);
  /// The batch just launched for s never ran (the ledger refused its reservation): s is ready
  /// again and the attempt does not count.
  void refuse(int s);
  /// The running batch of s ended. Success: s is done, and each child whose parents are now all
  /// done becomes ready. Failure: s is ready again. Returns false when that failure was s's last
  /// allowed batch (limits::kMaxAttemptsPerSubtask): the run cannot complete.
  bool end_batch(int s, bool success);
  /// The running batch of s ended without a verdict (no worker left to run it): s is ready again.
  void abandon(int s);

  // Facts.
  bool complete() const { return done_ == static_cast<int>(status_.size()); }
  int done() const { return done_; }
  int size() const { return static_cast<int>(status_.size()); }
  SubtaskStatus status(int s) const { return status_[static_cast<std::size_t>(s)]; }
  std::span<const SubtaskStatus> status() const { return status_; }
  /// Batches launched per subtask (refused ones excluded).
  std::span<const int> attempts() const { return attempts_; }
  /// The ready subtasks, ascending: what a policy may assign now. Clears `out` first.
  void dispatchable(std::vector<int>& out) const;

 private:
  const FlatWorkflow& wf_;
  std::vector<SubtaskStatus> status_;
  std::vector<int> attempts_, pending_parents_;
  int done_ = 0;
};

/// When the runtime expects a sample still running to end: its start plus the mean latency of
/// its model on its subtask, never before now (seconds). No runtime knows a sample's true end, so
/// this is what a policy is shown under runtime semantics, by the simulator and the cluster alike.
inline double expected_finish_s(const FlatWorkflow& wf, int s, int m, double start_s, double now_s) {
  const double end = start_s + wf.profile(s, m).mean_latency_s;
  return end > now_s ? end : now_s;
}

}  // namespace concord

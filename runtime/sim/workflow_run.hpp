#pragma once
// One workflow run in the runtime (DESIGN.md §3) as a state machine, the logic of the workflow
// actor (actors/workflow_actor.cpp) without CAF: the DAG's progress (sim/workflow_progress.hpp),
// the money each running batch holds, when to ask the planner, what to launch, and when and why
// the run ends. Events in (the methods; now_s is the run's clock in simulated seconds), commands
// out. The actor keeps only time, messages and the actors it spawns.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/batch_run.hpp"
#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/workflow_progress.hpp"

namespace concord {

struct WorkflowCommand {
  enum class Kind : std::uint8_t {
    plan,          // ask the planner: fill a request with WorkflowRun::plan_view
    launch,        // start a batch: `assignment`, `batch_id`, `attempt`, `reservation` (picodollars)
    cancel,        // tell the batch of `subtask` to stop
    batch_over,    // the batch traced at result().attempts[trace] is over (live progress)
    decide_later,  // deliver decide() once everything at this instant has happened (virtual time)
    retry_later,   // deliver retry() `delay_s` simulated seconds from now (set_retry)
    finish,        // the run is over: result() is final, `reason` says why
  };
  Kind kind;
  Assignment assignment{};
  std::uint64_t batch_id = 0;
  int attempt = 0;
  Money reservation = 0;
  int subtask = -1;
  std::size_t trace = 0;
  EndReason reason = EndReason::completed;
  double delay_s = 0;  // retry_later
};

/// What a policy is shown (owned copies; the planner may live elsewhere).
struct PlanView {
  double now_s = 0, deadline_s = 0;
  Money budget = 0;
  Money spent = 0, reserved = 0;
  std::vector<SubtaskStatus> status;
  std::vector<int> attempts, dispatchable;
  std::vector<InFlightSample> in_flight;
};

class WorkflowRun {
 public:
  using Commands = std::vector<WorkflowCommand>;
  /// defer_decisions: react to a batch's end only in decide(), after everything at that instant
  /// (virtual time: the simulator's order); false: at once (real time).
  WorkflowRun(const FlatWorkflow& wf, Money budget, double deadline_s, bool defer_decisions);

  /// Contention (issue 13; the contention simulator's rule, docs/negotiation.md): when nothing
  /// runs and the last plan launched nothing (a priced wait) or its tenant refused a batch, ask
  /// the planner again retry_s later (retry_later, once at a time) instead of ending the run;
  /// no retry fits before the deadline: the deadline ends it. 0 (the default): off, the run ends
  /// (stalled, or budget_exhausted after a denial) as before.
  void set_retry(double retry_s) { retry_s_ = retry_s; }

  // Events.
  void start(double now_s, Commands& out);
  void stop(double now_s, Commands& out);  // interrupted by the user
  void planned(std::span<const Assignment> action, double planner_seconds, double now_s, Commands& out);
  void plan_failed(const std::string& why, double now_s, Commands& out);
  void batch_over(int subtask, const BatchReport& r, double now_s, Commands& out);
  void sample_settled(std::uint64_t batch_id, Money released, Money cost);
  void deadline(double now_s, Commands& out);  // the deadline has come (the caller's clock says so)
  void decide(double now_s, Commands& out);    // after decide_later
  void retry(double now_s, Commands& out);     // after retry_later

  // Facts.
  bool finished() const { return finished_; }
  bool started() const { return started_; }
  int subtasks_done() const { return progress_.done(); }
  /// The state a policy sees now (runtime semantics; in-flight samples at their expected end).
  void plan_view(double now_s, PlanView& v) const;
  const EpisodeResult& result() const { return result_; }
  const std::string& failure_detail() const { return failure_detail_; }
  bool no_worker_left() const { return no_worker_left_; }
  int redispatched() const { return redispatched_; }
  const std::map<std::string, int>& samples_per_worker() const { return samples_per_worker_; }
  const std::vector<double>& decision_seconds() const { return decision_seconds_; }
  Money spent() const { return spent_; }
  Money reserved() const { return reserved_; }

 private:
  struct Running {
    std::size_t trace;       // index in result_.attempts
    std::uint64_t batch_id;
    Money reservation_left;  // of the batch's reservation, not yet released by settled samples
    Money cost_settled;      // committed by settled samples so far
    int settled = 0;         // samples settled so far (the rest still run)
  };
  void plan(double now_s, Commands& out);
  void react(Commands& out);
  void settle(double now_s, Commands& out);  // ends the run if nothing runs or can run
  void wind_down(EndReason reason, double now_s, Commands& out);
  void finish(EndReason reason, double now_s, Commands& out);

  const FlatWorkflow& wf_;
  Money budget_;
  double deadline_s_;
  bool defer_;
  WorkflowProgress progress_;
  std::map<int, Running> running_;  // by subtask
  Money spent_ = 0, reserved_ = 0;
  std::uint64_t next_batch_ = 1;
  bool started_ = false, stop_before_start_ = false, finished_ = false;
  bool planning_ = false, replan_ = false, denied_since_plan_ = false;
  // set_retry: the tenant refused a batch since the last plan; the last plan launched nothing;
  // a retry_later is out.
  double retry_s_ = 0;
  bool source_denied_since_plan_ = false, empty_plan_ = false, retry_pending_ = false;
  // What the batches that ended at this instant call for, done by decide().
  bool replan_wanted_ = false, decide_pending_ = false;
  std::optional<EndReason> end_wanted_;  // the first reason wins
  // Winding down: every running batch was told to cancel; the run ends with wind_reason_ once
  // the last of them has reported (its samples settled with the ledger). Nothing new is planned.
  bool winding_ = false;
  EndReason wind_reason_ = EndReason::deadline_exhausted;
  EpisodeResult result_;
  std::string failure_detail_;
  bool no_worker_left_ = false;
  int redispatched_ = 0;
  std::map<std::string, int> samples_per_worker_;
  std::vector<double> decision_seconds_;
};

}  // namespace concord

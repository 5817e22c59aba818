#pragma once
// One batch's life in the runtime (DESIGN.md §3) as a state machine, the logic of the subtask
// actor (actors/subtask_actor.cpp) without CAF: reserve the k samples' worst case (all or
// none) -> ask for workers -> dispatch -> the first success cancels the siblings (they stop at
// its latency: exec::cancelled_by) -> every sample settled with the ledger exactly once (a
// sample that never ran commits 0) -> one report. A dead worker's samples are dispatched again
// under the same reservation. Events in (the methods), commands out (appended to `out`): the
// actor only turns commands into messages and answers into events. Samples are 0..k-1;
// workers are the caller's opaque ids.
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "ledger/types.hpp"
#include "model/money.hpp"

namespace concord {

struct BatchCommand {
  enum class Kind : std::uint8_t {
    reserve,   // reserve every sample's worst case (all or none)
    pick,      // ask the selector for `count` workers (sample >= 0: a re-dispatch of that sample)
    dispatch,  // send sample `sample` to `worker` (dispatch id `dispatch_id`, 0: none)
    cancel,    // tell `worker` to stop `sample`, deemed stopped stop_after_s after its dispatch (< 0: now)
    arm_expiry,  // cancelled samples that never answer are given up after the grace period
    commit,    // commit `cost` for `sample` with the ledger (settles it; releases the rest)
    settled,   // tell the workflow `sample` is settled at `cost` (its reservation's rest is free)
    forget,    // tell the selector dispatch `dispatch_id` ends without an outcome to learn from
    credit,    // tell the selector dispatch `dispatch_id` ended: `success`, `latency_s`
    report,    // the batch is over: send report() to the workflow (always the last command)
  };
  Kind kind;
  int sample = -1;
  int count = 0;
  std::uint64_t worker = 0;
  std::uint64_t dispatch_id = 0;
  double stop_after_s = -1;
  Money cost = 0;
  bool success = false;
  double latency_s = 0;
};

/// What the batch tells its workflow when it is over (the wire's batch_report, without CAF).
struct BatchReport {
  bool granted = true;   // false: the ledger refused the reservation; nothing ran
  bool source_refused = false;  // refused by the ledger's budget source (a tenant), not its own budget
  bool success = false;  // a sample succeeded: the subtask is complete
  int successes = 0, failures = 0, truncated = 0, cancelled = 0, redispatched = 0;
  Money cost = 0;               // committed for the batch (the ledger accepted each sample's commit)
  bool no_worker_left = false;  // a sample found no live worker for the model: the plan cannot run
  std::string reason;           // why, for the user, when something went wrong
  std::vector<std::string> workers;  // the worker of each sample result received
  std::string output;                // the first successful sample's output (real workers; else empty)
};

/// The outcome of one sample as its worker reports it.
struct SampleOutcome {
  bool success = false, truncated = false, cancelled = false;
  double latency_s = 0;  // simulated seconds it ran (relative to its start)
  double waited_s = 0;   // simulated seconds it waited for a slot before its start (0 without slots)
  Money cost = 0;        // what it is charged
  std::string worker;
  std::string output;    // what a real worker produced (simulated: empty)
  std::int64_t tokens = 0;  // output tokens charged (the learner's input)
};

/// A worker the selector offered, with the dispatch id the outcome is credited to (0: none).
struct WorkerPick {
  std::uint64_t worker = 0;
  std::uint64_t dispatch_id = 0;
};

class BatchRun {
 public:
  using Commands = std::vector<BatchCommand>;
  /// batch_id names the batch's samples in messages (exec::sample_id); model_id, its model;
  /// per_sample_reservation, what the ledger holds for each sample: a worker's claim above it (a
  /// lying or broken worker) is charged at it, a negative claim at 0 — never more than was
  /// reserved, so the ledger never refuses a commit for its amount.
  BatchRun(std::uint64_t batch_id, int k, std::string model_id, Money per_sample_reservation = std::numeric_limits<Money>::max());

  int k() const { return k_; }
  bool over() const { return reported_; }
  const BatchReport& report() const { return report_; }

  // Events.
  void start(Commands& out);                                  // -> reserve
  /// The ledger's answer (why: when refused; by_source: its budget source, a tenant, refused).
  void reserved(bool granted, std::string why, Commands& out, bool by_source = false);
  void picked(std::span<const WorkerPick> picks, Commands& out);  // the selector's answer to the first pick
  void pick_failed(std::string why, Commands& out);
  /// A re-dispatched sample's pick (empty: no worker left).
  void repicked(int sample, std::span<const WorkerPick> picks, Commands& out);
  void repick_failed(int sample, Commands& out);
  void result(int sample, const SampleOutcome& o, Commands& out);  // from the sample's worker
  /// The ledger's answer to a commit (`error`: no answer at all).
  void committed(int sample, ledger::Code code, Commands& out);
  void commit_failed(int sample, std::string error, Commands& out);
  void cancel(Commands& out);                        // from the workflow (deadline, stop, wind-down)
  void expire(Commands& out);                        // the grace period after a cancel ran out
  void worker_down(std::uint64_t worker, Commands& out);

 private:
  enum class SampleState : std::uint8_t { waiting, running, repicking, settling, settled };
  struct Sample {
    SampleState state = SampleState::waiting;
    std::uint64_t worker = 0, dispatch_id = 0;
    bool redispatched = false;
    Money cost = 0;  // committed (or being committed)
  };
  void dispatch(int j, const WorkerPick& p, bool redispatched, Commands& out);
  void settle(int j, Money cost, Commands& out);
  void settle_unrun(Commands& out);  // none ran: every sample commits 0
  /// Cancels every running sample; stop_after_s (simulated seconds after the batch's dispatch, < 0:
  /// now) applies to those launched with the batch.
  void cancel_running(double stop_after_s, Commands& out);
  void check_done(Commands& out);

  std::uint64_t batch_id_;
  int k_;
  Money per_sample_reservation_;
  std::string model_id_;
  std::vector<Sample> samples_;
  BatchReport report_;
  bool starting_ = true;  // the reservation or the first pick is outstanding: the batch cannot end
  bool succeeded_ = false, cancelling_ = false, reported_ = false;
};

}  // namespace concord

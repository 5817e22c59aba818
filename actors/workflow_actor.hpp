#pragma once
// The workflow actor: the coordinator of one workflow run (proto::workflow_actor). What it
// decides is sim/workflow_run.hpp's state machine: when to ask the planner, what to launch (a
// subtask actor per assignment), when the deadline cancels what runs, when and why the run ends.
// The actor keeps the clock: a virtual one (exact, the simulator's instants), or real time x
// time scale.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/actor.hpp>

#include "interfaces.hpp"

#include "time/clock.hpp"
#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"
#include "service/service_messages.hpp"

namespace concord::actors {

class VirtualTime;

struct WorkflowOptions {
  std::shared_ptr<const FlatWorkflow> workflow;
  Money budget = 0;
  double deadline_s = 0;       // simulated seconds
  double time_scale = 1000;    // simulated seconds per real second
  std::uint64_t seed = 1;
  proto::ledger_actor ledger;
  proto::selector_actor selector;
  proto::planner_actor planner;
  /// Set: a planner that dies (its actor goes down) is replaced by respawn_planner(n), n = 1, 2, ...
  /// (at most kDefaultTunables.planner_restarts times), and a decision it owed is asked of the new
  /// one; the workflow stops the replacements when it ends. Empty, or past the limit: a planner
  /// that dies while deciding fails the run with the reason (never a wait for an answer that cannot come).
  std::function<proto::planner_actor(int restart)> respawn_planner;
  /// Worker slots are configured: before each decision ask the selector (wait_atom) how long a
  /// sample of each model would wait for a slot, and give the planner those waits
  /// (plan_request::expected_wait_s). false: nothing asked, decisions exactly as without slots.
  bool ask_waits = false;
  /// Negotiation (issue 13, docs/negotiation.md "Prices on the actors"): before each decision ask
  /// the selector (outlook_atom) every model's queue view and slot price, and `money_price_from`
  /// (the tenant, if set) its money price, and give them to the planner (plan_request).
  bool negotiate = false;
  proto::tenant_actor money_price_from;
  /// > 0: WorkflowRun::set_retry (a priced wait or a tenant's refusal is asked again this many
  /// simulated seconds later instead of ending the run). 0: off.
  double retry_s = 0;
  const Clock* clock = &real_clock();  // what "now" is (the simulated clock is derived from it)
  /// Set: the run is on this virtual clock (simulated seconds, exact; see virtual_time.hpp) and
  /// reacts to what happened at an instant once all of it has happened, as the simulator does.
  VirtualTime* virtual_time = nullptr;
  /// Called on the workflow's thread after every batch (live progress); may be empty.
  std::function<void(const AttemptTrace&, int done, int total)> on_batch;
  /// Called on the workflow's thread for what a watcher sees (batch launched, sample settled,
  /// subtask ended, spend after a batch), at the run's time (simulated s); may be empty.
  std::function<void(double now_s, service::EventBody)> on_event;
  /// Called on the workflow's thread for each sample a worker answered (the learner's input,
  /// learn/live_profiles.hpp): subtask, model, end (learn::SampleEnd: 0 finished, 1 truncated,
  /// 2 cancelled), success (after the subtask's check), latency (simulated s), output tokens.
  std::function<void(int subtask, int model, std::uint8_t end, bool success, double latency_s, std::int64_t tokens)> on_sample;
  /// Called on the workflow's thread when the run has ended, with its answer, just before it is
  /// sent; may be empty.
  std::function<void(const proto::workflow_outcome&)> on_end;
};

using proto::workflow_outcome;  // the run's outcome (protocols/local_messages.hpp)

/// Spawns the workflow; send it start_atom and it answers with workflow_outcome when done.
proto::workflow_actor spawn_workflow(caf::actor_system& sys, WorkflowOptions options);

}  // namespace concord::actors


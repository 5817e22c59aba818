#include "workflow_actor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include <caf/all.hpp>

#include "messages.hpp"
#include "model/limits.hpp"
#include "planner_actor.hpp"
#include "sim/execution_rules.hpp"
#include "sim/workflow_progress.hpp"
#include "subtask_actor.hpp"
#include "virtual_time.hpp"

namespace concord::actors {

namespace {

constexpr auto kPlanTimeout = std::chrono::seconds(120);

struct Running {
  caf::actor actor;
  std::size_t trace;  // index in outcome.result.attempts
  std::uint64_t batch_id;
  Money reservation_left;  // of the batch's reservation, not yet released by settled samples
  Money cost_settled;      // committed by settled samples so far
  int settled = 0;         // samples settled so far (the rest still run)
};

struct workflow_state {
  WorkflowOptions o;
  Clock::time_point started;
  std::optional<WorkflowProgress> progress;  // the DAG's state machine (sim/workflow_progress.hpp)
  std::map<std::int32_t, Running> running;  // by subtask
  Money spent = 0, reserved = 0;
  bool planning = false, replan = false, finished = false, denied_since_plan = false;
  // What the batches that ended at this instant call for, done by decide() (at once in real
  // time; on a virtual clock after everything at this instant has happened).
  bool replan_wanted = false, decide_pending = false;
  std::optional<EndReason> end_wanted;  // a batch found the run cannot go on (the first reason wins)
  // Winding down (deadline passed, interrupted, no worker left, a subtask out of attempts):
  // every running batch has been told to cancel; the run ends with wind_reason once the
  // last of them has reported (its samples settled with the ledger). Nothing new is planned.
  bool winding = false;
  bool started_run = false, stop_before_start = false;  // a stop may overtake start_atom
  EndReason wind_reason = EndReason::deadline_exhausted;
  std::uint64_t next_batch = 1;
  workflow_outcome outcome;
  caf::response_promise promise;
  static inline const char* name = "concord.workflow";

  // Simulated seconds: real time x time scale, except real time spent planning while
  // nothing runs, which counts once (1 real second = 1 simulated second). Planning is
  // real work a deployment pays in real time; only the simulated workers' time is scaled.
  // (While samples run, their workers sleep in scaled time, so planning then is scaled too.)
  double unscaled_s = 0;                    // real seconds of such planning so far
  std::optional<Clock::time_point> idle_planning_since;  // set while planning with nothing running
  double real_s(Clock::time_point t) const { return std::chrono::duration<double>(t - started).count(); }
  double now_s() const {
    if (o.virtual_time) return o.virtual_time->now_s();  // exact: the simulator's instants
    double unscaled = unscaled_s;
    if (idle_planning_since) unscaled += o.clock->seconds_since(*idle_planning_since);
    return (real_s(o.clock->now()) - unscaled) * o.time_scale + unscaled;
  }
};

using workflow_actor = caf::stateful_actor<workflow_state>;

void plan(workflow_actor* self);
void decide(workflow_actor* self);

/// Schedules a deadline check when the deadline is due at the clock's current rate (a
/// check that comes early re-arms itself; duplicates are harmless). On a virtual clock: once,
/// at the deadline, after everything else at that instant (the simulator cancels what still
/// runs only when the next event is past the deadline).
void arm_deadline(workflow_actor* self) {
  auto& st = self->state;
  if (!std::isfinite(st.o.deadline_s)) return;
  if (VirtualTime* vt = st.o.virtual_time) {
    vt->at(std::max(st.o.deadline_s, 0.0), TimePhase::deadline, caf::actor_cast<caf::actor>(self),
           caf::make_message(proto::deadline_atom::value));
    return;
  }
  const double rate = st.idle_planning_since ? 1.0 : st.o.time_scale;
  const double left_s = std::max(0.0, st.o.deadline_s - st.now_s());
  self->delayed_send(self, real_delay(left_s / rate), proto::deadline_atom::value);
}

void end_idle_planning(workflow_actor* self) {
  auto& st = self->state;
  if (!st.idle_planning_since) return;
  st.unscaled_s += st.o.clock->seconds_since(*st.idle_planning_since);
  st.idle_planning_since.reset();
  arm_deadline(self);  // the clock runs scaled again: the deadline comes sooner than armed
}

void finish(workflow_actor* self, EndReason reason) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  auto& r = st.outcome.result;
  r.reason = reason;
  r.completed = reason == EndReason::completed;
  r.spend = st.spent;
  r.subtasks_done = st.progress->done();
  r.makespan_s = reason == EndReason::deadline_exhausted ? std::max(st.o.deadline_s, 0.0) : st.now_s();
  if (r.completed) {
    double last = 0;
    for (const auto& a : r.attempts) last = std::max(last, a.end_s);
    r.makespan_s = last;
    if (!exec::ends_by(r.makespan_s, st.o.deadline_s)) r.completed = false, r.reason = EndReason::deadline_exhausted;
  }
  if (st.o.on_end) st.o.on_end();
  st.promise.deliver(st.outcome);
  self->quit();
}

/// Decides what to do when nothing is planned and nothing runs.
void settle(workflow_actor* self) {
  auto& st = self->state;
  if (st.finished) return;
  if (st.progress->complete()) return finish(self, EndReason::completed);
  if (st.winding) {
    if (st.running.empty()) finish(self, st.wind_reason);  // never waits for a planner still thinking
    return;
  }
  if (!st.running.empty() || st.planning) return;
  // Nothing runs and the last plan placed nothing that could run: no progress is possible.
  if (st.outcome.no_worker_left) return finish(self, EndReason::no_worker_left);
  return finish(self, st.denied_since_plan ? EndReason::budget_exhausted : EndReason::stalled);
}

/// Stops the run: cancels every running batch and finishes with `reason` once they have all
/// reported. The first reason wins (a deadline that passes while winding down changes nothing).
void wind_down(workflow_actor* self, EndReason reason) {
  auto& st = self->state;
  if (st.finished) return;
  if (!st.winding) {
    st.winding = true;
    st.wind_reason = reason;
    for (auto& [s, run] : st.running) self->send(run.actor, proto::cancel_atom::value);
  }
  settle(self);
}

/// Something happened (a batch ended or was refused): decide now in real time; on a virtual
/// clock, once everything at this instant has happened (the simulator's loop: every event of an
/// instant, then one decision).
void react(workflow_actor* self) {
  auto& st = self->state;
  VirtualTime* vt = st.o.virtual_time;
  if (!vt) return decide(self);
  if (st.decide_pending) return;
  st.decide_pending = true;
  vt->at(vt->now_s(), TimePhase::decide, caf::actor_cast<caf::actor>(self), caf::make_message(proto::decide_atom::value));
}

void decide(workflow_actor* self) {
  auto& st = self->state;
  st.decide_pending = false;
  if (st.finished) return;
  if (st.progress->complete()) return finish(self, EndReason::completed);
  if (st.end_wanted) return wind_down(self, *st.end_wanted);
  if (st.winding) return settle(self);
  if (st.replan_wanted) {
    st.replan_wanted = false;
    plan(self);
  }
  settle(self);
}

void launch(workflow_actor* self, const plan_reply& reply) {
  auto& st = self->state;
  const FlatWorkflow& wf = *st.o.workflow;
  st.denied_since_plan = false;
  for (const Assignment& a : reply.action) {
    if (a.subtask < 0 || a.subtask >= wf.num_subtasks() || st.progress->status(a.subtask) != SubtaskStatus::ready) continue;
    if (a.model < 0 || a.model >= wf.num_models() || !wf.can_run(a.subtask, a.model) || a.k < 1) continue;
    SubtaskOptions so;
    so.subtask = a.subtask;
    so.model = a.model;
    so.model_id = wf.model_id(a.model);
    so.k = a.k;
    so.batch_id = st.next_batch++;
    so.reservation = wf.batch_reservation(a.subtask, a.model, a.k);  // saturating: an unrepresentable batch is denied
    so.token_cap = wf.token_cap(a.model);
    so.input_cost = wf.input_cost(a.subtask, a.model);
    so.price_per_token = wf.price_per_token(a.model);
    const FlatProfile& fp = wf.profile(a.subtask, a.model);
    for (std::uint32_t i = 0; i < fp.count; ++i) {
      const Draw& d = wf.sample_at(a.subtask, a.model, i);
      so.profile.latency_s.push_back(d.latency_s);
      so.profile.success.push_back(d.success ? 1 : 0);
      so.profile.tokens.push_back(d.output_tokens);
    }
    so.profile.lognormal_mu = fp.lognormal_mu;
    so.profile.lognormal_sigma = fp.lognormal_sigma;
    so.profile.p_success = fp.p_success;
    so.profile.parametric_tokens = fp.parametric_tokens;
    so.seed = st.o.seed;
    so.time_scale = st.o.time_scale;
    so.workflow = caf::actor_cast<caf::actor>(self);
    so.ledger = st.o.ledger;
    so.selector = st.o.selector;
    so.virtual_time = st.o.virtual_time;
    AttemptTrace tr;
    tr.subtask = a.subtask;
    tr.attempt = so.attempt = st.progress->launch(a.subtask);
    tr.model = a.model;
    tr.k = a.k;
    tr.start_s = st.now_s();
    st.outcome.result.attempts.push_back(tr);
    st.reserved += so.reservation;
    const std::uint64_t batch_id = so.batch_id;
    const Money reservation = so.reservation;
    st.running[a.subtask] = Running{spawn_subtask(self->system(), std::move(so)), st.outcome.result.attempts.size() - 1,
                                    batch_id, reservation, 0};
  }
}

/// The samples still running, as the policy is shown them (the simulator's view under runtime
/// semantics): in launch order, each expected at its start + its mean latency.
std::vector<InFlightSample> in_flight(const workflow_state& st, double now_s) {
  std::vector<const Running*> order;
  for (const auto& [s, run] : st.running) order.push_back(&run);
  std::sort(order.begin(), order.end(), [](const Running* a, const Running* b) { return a->batch_id < b->batch_id; });
  std::vector<InFlightSample> out;
  for (const Running* run : order) {
    const AttemptTrace& tr = st.outcome.result.attempts[run->trace];
    const double end = expected_finish_s(*st.o.workflow, tr.subtask, tr.model, tr.start_s, now_s);
    for (int j = run->settled; j < tr.k; ++j) out.push_back({tr.subtask, tr.model, tr.start_s, end});
  }
  return out;
}

void plan(workflow_actor* self) {
  auto& st = self->state;
  if (st.finished || st.winding) return;
  if (st.planning) {
    st.replan = true;
    return;
  }
  plan_request req;
  const FlatWorkflow& wf = *st.o.workflow;
  req.semantics = Semantics::runtime;
  req.now_s = st.now_s();
  req.deadline_s = st.o.deadline_s;
  req.budget = st.o.budget;
  req.spent = st.spent;
  req.reserved = st.reserved;
  req.status.assign(st.progress->status().begin(), st.progress->status().end());
  req.attempts.assign(st.progress->attempts().begin(), st.progress->attempts().end());
  st.progress->dispatchable(req.dispatchable);
  if (req.dispatchable.empty()) return settle(self);
  req.in_flight = in_flight(st, req.now_s);
  req.partial_success.assign(static_cast<std::size_t>(wf.num_subtasks()), 0);
  st.planning = true;
  if (st.running.empty() && !st.o.virtual_time) st.idle_planning_since = st.o.clock->now();
  self->request(st.o.planner, kPlanTimeout, std::move(req))
      .then(
          [=](const plan_reply& reply) {
            auto& st = self->state;
            st.planning = false;
            end_idle_planning(self);
            st.outcome.decision_seconds.push_back(reply.seconds);
            ++st.outcome.result.decisions;
            if (st.finished || st.winding) return settle(self);
            if (!reply.error.empty()) {  // the policy failed: say why, stop what runs
              st.outcome.failure_detail = "planner failed: " + reply.error;
              return wind_down(self, EndReason::stalled);
            }
            launch(self, reply);
            if (st.replan) {
              st.replan = false;
              plan(self);
            }
            settle(self);
          },
          [=](caf::error& e) {
            self->state.planning = false;
            end_idle_planning(self);
            self->state.outcome.failure_detail = "planner failed: " + caf::to_string(e);
            wind_down(self, EndReason::stalled);  // cancels and settles what runs before finishing
          });
}

caf::behavior workflow(workflow_actor* self, WorkflowOptions o) {
  auto& st = self->state;
  st.o = std::move(o);
  st.progress.emplace(*st.o.workflow);
  return {
      [=](proto::start_atom) {
        auto& st = self->state;
        st.promise = self->make_response_promise();
        st.started = st.o.clock->now();
        st.started_run = true;
        if (st.stop_before_start) {  // interrupted before it began: nothing ran
          wind_down(self, EndReason::interrupted);
          return st.promise;
        }
        arm_deadline(self);
        plan(self);
        return st.promise;
      },
      [=](proto::batch_report& r) {
        auto& st = self->state;
        auto it = st.running.find(r.subtask);
        if (it == st.running.end()) return;
        const Running run = it->second;
        st.running.erase(it);
        // Settled samples were accounted as they stopped; the report settles the rest.
        st.reserved -= run.reservation_left;
        st.spent += r.cost - run.cost_settled;
        st.outcome.redispatched += r.redispatched;
        AttemptTrace& tr = st.outcome.result.attempts[run.trace];
        tr.end_s = st.now_s();
        tr.cost = r.cost;
        tr.successes = r.successes;
        tr.failures = r.failures;
        tr.truncated = r.truncated;
        tr.cancelled = r.cancelled;
        // Ran to its end: not cut short (a success's cancelled siblings do not count).
        tr.finished = r.granted && (r.success || r.cancelled == 0);
        tr.succeeded = r.success;
        if (!r.reason.empty()) st.outcome.failure_detail = r.reason;
        for (const auto& w : r.workers) ++st.outcome.samples_per_worker[w];
        const int n = st.o.workflow->num_subtasks();
        if (r.no_worker_left) {  // the plan cannot be carried out any more
          st.outcome.no_worker_left = true;
          st.progress->abandon(r.subtask);
          if (st.o.on_batch && r.granted) st.o.on_batch(tr, st.progress->done(), n);
          if (!st.end_wanted) st.end_wanted = EndReason::no_worker_left;  // wind down; wait for the others' reports
          return react(self);
        }
        if (!r.granted) {  // the ledger said no: the subtask waits for money to be released
          st.outcome.result.attempts.erase(st.outcome.result.attempts.begin() + static_cast<std::ptrdiff_t>(run.trace));
          for (auto& [s, other] : st.running)
            if (other.trace > run.trace) --other.trace;
          st.progress->refuse(r.subtask);
          st.denied_since_plan = true;
          // A denied batch is re-planned only when something else ends (money is released then).
          return react(self);
        }
        if (!st.progress->end_batch(r.subtask, r.success) && !st.end_wanted && !st.winding) {
          // A subtask that keeps failing (e.g. at zero cost in zero time) must not keep the run alive.
          st.outcome.failure_detail = "subtask " + st.o.workflow->subtask_id(r.subtask) + " failed " +
                                      std::to_string(st.progress->attempts()[static_cast<std::size_t>(r.subtask)]) +
                                      " batches";
          st.end_wanted = EndReason::attempts_exhausted;
        }
        if (st.o.on_batch) st.o.on_batch(tr, st.progress->done(), n);
        st.replan_wanted = true;
        react(self);
      },
      [=](proto::decide_atom) { decide(self); },
      [=](proto::settled_atom, std::uint64_t batch_id, std::int64_t released, std::int64_t cost) {
        // One sample of a running batch stopped: its cost is committed and the rest of its
        // reservation released (the next plan sees the money, as in the simulator).
        auto& st = self->state;
        for (auto& [s, run] : st.running) {
          if (run.batch_id != batch_id) continue;
          const Money r = std::min<Money>(released, run.reservation_left);
          run.reservation_left -= r;
          run.cost_settled += cost;
          ++run.settled;
          st.reserved -= r;
          st.spent += cost;
          return;
        }
      },
      [=](proto::deadline_atom) {
        auto& st = self->state;
        if (st.finished || st.winding || st.progress->complete()) return;
        // Planning with nothing running slowed the simulated clock: not due yet.
        if (st.o.deadline_s - st.now_s() > 1e-6) return arm_deadline(self);
        wind_down(self, EndReason::deadline_exhausted);
      },
      [=](proto::stop_atom) {  // interrupted (SIGINT/SIGTERM): cancel what runs, report what ran
        if (!self->state.started_run) {
          self->state.stop_before_start = true;
          return;
        }
        wind_down(self, EndReason::interrupted);
      },
  };
}

}  // namespace

caf::actor spawn_workflow(caf::actor_system& sys, WorkflowOptions options) { return sys.spawn(workflow, std::move(options)); }

}  // namespace concord::actors

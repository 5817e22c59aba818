#include "workflow_actor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include <caf/all.hpp>

#include "chaos/safeguards.hpp"
#include "cluster_tunables.hpp"
#include "messages.hpp"
#include "planner_actor.hpp"
#include "sim/workflow_run.hpp"
#include "subtask_actor.hpp"
#include "virtual_time.hpp"
#include "model/prompt_template.hpp"

namespace concord::actors {

namespace {

constexpr auto kPlanTimeout = std::chrono::seconds(120);
constexpr auto kWaitTimeout = std::chrono::seconds(5);  // the selector's wait_atom answer

// The run's logic is sim/workflow_run.hpp's state machine; this actor keeps the clock, turns the
// machine's commands into messages and actors, and the answers into its events.
struct workflow_state {
  WorkflowOptions o;
  std::optional<WorkflowRun> run;
  std::map<int, proto::subtask_actor> batches;  // the subtask actor running each subtask's batch
  std::map<std::uint64_t, int> batch_subtask;     // batch id -> subtask, while on_event wants settlements
  std::vector<std::string> outputs;               // per subtask: its successful sample's output (real workers)
  double first_promise = -1;                      // the planner's at its first decision (< 0: none yet)
  std::uint64_t plan_asked = 0;                   // decisions asked so far: an answer to an older one is stale
  bool planning = false;                          // a decision is owed by st.o.planner
  int planner_restarts = 0;                       // planners replaced after they died
  Clock::time_point started;
  double origin_s = 0;                            // virtual clock: the timeline's time at start (the run's 0)
  std::int64_t price_reads = 0;                   // negotiation: price and queue posts read
  std::int64_t tenant_refusals = 0;               // batches its tenant refused
  std::int64_t empty_plans = 0;                   // decisions that launched nothing
  caf::typed_response_promise<workflow_outcome> promise;
  static inline const char* name = "concord.workflow";

  // Simulated seconds: on a virtual clock, its time (exact: the simulator's instants). In real
  // time: real time x time scale, except real time spent planning while nothing runs, which
  // counts once (1 real second = 1 simulated second). Planning is real work a deployment pays in
  // real time; only the simulated workers' time is scaled. (While samples run, their workers
  // sleep in scaled time, so planning then is scaled too.)
  double unscaled_s = 0;                                 // real seconds of such planning so far
  std::optional<Clock::time_point> idle_planning_since;  // set while planning with nothing running
  double real_s(Clock::time_point t) const { return std::chrono::duration<double>(t - started).count(); }
  double now_s() const {
    if (o.virtual_time) return o.virtual_time->now_s() - origin_s;
    double unscaled = unscaled_s;
    if (idle_planning_since) unscaled += o.clock->seconds_since(*idle_planning_since);
    return (real_s(o.clock->now()) - unscaled) * o.time_scale + unscaled;
  }
};

using workflow_actor = proto::workflow_actor::stateful_base<workflow_state>;

void act(workflow_actor* self, WorkflowRun::Commands& cmds);

/// Runs one event of the state machine at the current time and carries out what it commands.
template <class Event>
void on(workflow_actor* self, Event&& event) {
  WorkflowRun::Commands cmds;
  event(*self->state.run, self->state.now_s(), cmds);
  act(self, cmds);
}

/// Schedules a deadline check when the deadline is due at the clock's current rate (a
/// check that comes early re-arms itself; duplicates are harmless). On a virtual clock: once,
/// at the deadline, after everything else at that instant (the simulator cancels what still
/// runs only when the next event is past the deadline).
void arm_deadline(workflow_actor* self) {
  auto& st = self->state;
  if (!std::isfinite(st.o.deadline_s)) return;
  if (!chaos::safeguard_on(chaos::Safeguard::deadline_timer)) return;  // the mutation check only (docs/chaos.md)
  if (VirtualTime* vt = st.o.virtual_time) {
    vt->at(st.origin_s + std::max(st.o.deadline_s, 0.0), TimePhase::deadline, caf::actor_cast<caf::actor>(self),
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

void send_plan(workflow_actor* self, plan_request req, std::uint64_t asked);

void ask_planner(workflow_actor* self) {
  auto& st = self->state;
  PlanView v;
  st.run->plan_view(st.now_s(), v);
  plan_request req;
  req.semantics = Semantics::runtime;
  req.now_s = v.now_s;
  req.deadline_s = v.deadline_s;
  req.budget = v.budget;
  req.spent = v.spent;
  req.reserved = v.reserved;
  req.status = std::move(v.status);
  req.attempts = std::move(v.attempts);
  req.dispatchable = std::move(v.dispatchable);
  req.in_flight = std::move(v.in_flight);
  req.partial_success.assign(static_cast<std::size_t>(st.o.workflow->num_subtasks()), 0);
  if (st.batches.empty() && !st.o.virtual_time) st.idle_planning_since = st.o.clock->now();
  const std::uint64_t asked = ++st.plan_asked;
  st.planning = true;
  if (!st.o.ask_waits && !st.o.negotiate) return send_plan(self, std::move(req), asked);
  // Worker slots: the selector's expected wait per model; negotiation: every model's queue view
  // and slot price, and the tenant's money price. The request goes once every answer is in (an
  // answer that fails counts no wait, no queue, price 0).
  struct Pending {
    plan_request req;
    int left = 0;
  };
  const int models = st.o.workflow->num_models();
  const auto n = static_cast<std::size_t>(models);
  const bool tenant_price = st.o.negotiate && st.o.money_price_from;
  auto p = std::make_shared<Pending>();
  p->req = std::move(req);
  if (st.o.ask_waits) p->req.expected_wait_s.assign(n, 0.0);
  if (st.o.negotiate) p->req.slot_price.assign(n, 0.0), p->req.queue_ahead.assign(n, 0.0), p->req.wait_per_position_s.assign(n, 0.0);
  p->left = (st.o.ask_waits ? models : 0) + (st.o.negotiate ? models : 0) + (tenant_price ? 1 : 0);
  if (p->left == 0) return send_plan(self, std::move(p->req), asked);
  auto one_in = [=] {
    if (--p->left == 0) send_plan(self, std::move(p->req), asked);
  };
  for (int m = 0; m < models && st.o.ask_waits; ++m) {
    auto got = [=](double wait_s) {
      p->req.expected_wait_s[static_cast<std::size_t>(m)] = wait_s;
      one_in();
    };
    self->request(st.o.selector, kWaitTimeout, proto::wait_atom::value, st.o.workflow->model_id(m))
        .then([=](double wait_s) { got(wait_s); }, [=](caf::error&) { got(0.0); });
  }
  for (int m = 0; m < models && st.o.negotiate; ++m) {
    ++st.price_reads;
    self->request(st.o.selector, kWaitTimeout, proto::outlook_atom::value, st.o.workflow->model_id(m))
        .then(
            [=](double queue_ahead, double wait_per_position_s, double price) {
              const auto i = static_cast<std::size_t>(m);
              p->req.queue_ahead[i] = queue_ahead, p->req.wait_per_position_s[i] = wait_per_position_s, p->req.slot_price[i] = price;
              one_in();
            },
            [=](caf::error&) { one_in(); });
  }
  if (tenant_price) {
    ++st.price_reads;
    self->request(st.o.money_price_from, kWaitTimeout, proto::price_atom::value)
        .then(
            [=](double price) {
              p->req.money_price = price;
              one_in();
            },
            [=](caf::error&) { one_in(); });
  }
}

/// Sends decision `asked`'s request to the planner (unless a later one was asked meanwhile).
void send_plan(workflow_actor* self, plan_request req, std::uint64_t asked) {
  auto& st = self->state;
  if (asked != st.plan_asked) return;  // asked again meanwhile (a planner replaced)
  self->request(st.o.planner, kPlanTimeout, std::move(req))
      .then(
          [=](const plan_reply& reply) {
            auto& st = self->state;
            if (asked != st.plan_asked) return;  // asked of a planner that died since: asked again
            st.planning = false;
            end_idle_planning(self);
            if (st.first_promise < 0 && reply.promise >= 0) {  // the first decision's promise: stated once
              st.first_promise = reply.promise;
              if (st.o.on_event) st.o.on_event(st.now_s(), service::Promised{reply.promise, reply.promise});
            }
            if (!reply.error.empty())  // the policy failed: say why, stop what runs
              on(self, [&](WorkflowRun& r, double now, auto& c) { r.plan_failed(reply.error, now, c); });
            else {
              if (reply.action.empty()) ++st.empty_plans;
              on(self, [&](WorkflowRun& r, double now, auto& c) { r.planned(reply.action, reply.seconds, now, c); });
            }
          },
          [=](caf::error& e) {
            auto& st = self->state;
            if (asked != st.plan_asked) return;
            st.planning = false;
            end_idle_planning(self);
            on(self, [&](WorkflowRun& r, double now, auto& c) { r.plan_failed(caf::to_string(e), now, c); });
          });
}

/// The planner died: replaced (and asked again what it owed), or the run fails if it owed a decision.
void planner_down(workflow_actor* self, const caf::error& reason) {
  auto& st = self->state;
  if (st.o.respawn_planner && st.planner_restarts < kDefaultTunables.planner_restarts) {
    st.o.planner = st.o.respawn_planner(++st.planner_restarts);
    self->monitor(st.o.planner);
    if (st.planning) ask_planner(self);  // the new planner decides from the state as it is now
    return;
  }
  if (!st.planning) return;
  st.planning = false;
  ++st.plan_asked;  // whatever the dead one might still send is stale
  end_idle_planning(self);
  const std::string why = "the planner died (" + caf::to_string(reason) + ")" +
                          (st.planner_restarts > 0 ? " after " + std::to_string(st.planner_restarts) + " replacements" : "");
  on(self, [&](WorkflowRun& r, double now, auto& c) { r.plan_failed(why, now, c); });
}

void launch(workflow_actor* self, const WorkflowCommand& c) {
  auto& st = self->state;
  const FlatWorkflow& wf = *st.o.workflow;
  const Assignment& a = c.assignment;
  SubtaskOptions so;
  so.subtask = a.subtask;
  so.model = a.model;
  so.model_id = wf.model_id(a.model);
  so.k = a.k;
  so.batch_id = c.batch_id;
  so.attempt = c.attempt;
  so.reservation = c.reservation;
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
  so.workflow = caf::actor_cast<proto::workflow_actor>(self);
  so.ledger = st.o.ledger;
  so.selector = st.o.selector;
  so.virtual_time = st.o.virtual_time;
  const SubtaskContent& content = wf.content(a.subtask);
  so.subtask_id = wf.subtask_id(a.subtask);
  so.check = content.check;
  so.time_limit_s = content.time_limit_s;
  so.report_samples = static_cast<bool>(st.o.on_sample);
  if (!content.prompt.empty()) {
    so.prompt = render_prompt(content.prompt, [&](const std::string& id) -> const std::string* {
      const int p = wf.subtask_index(id);
      return p >= 0 ? &st.outputs[static_cast<std::size_t>(p)] : nullptr;
    });
  } else {
    so.prompt = content.label.empty() ? so.subtask_id : content.label;
  }
  st.batches[a.subtask] = spawn_subtask(self->system(), std::move(so));
  if (st.o.on_event) {
    st.batch_subtask[c.batch_id] = a.subtask;
    st.o.on_event(st.now_s(), service::BatchLaunched{wf.subtask_id(a.subtask), wf.model_id(a.model), static_cast<std::uint32_t>(a.k),
                                                     static_cast<std::uint32_t>(c.attempt), c.batch_id});
  }
}

/// A batch is over: what a watcher sees of it.
void batch_over_event(workflow_actor* self, const AttemptTrace& t) {
  auto& st = self->state;
  const FlatWorkflow& wf = *st.o.workflow;
  const double now = st.now_s();
  st.o.on_event(now, service::SubtaskEnded{wf.subtask_id(t.subtask), wf.model_id(t.model), static_cast<std::uint32_t>(t.k),
                                           static_cast<std::uint32_t>(t.attempt), t.succeeded, t.finished, t.cost,
                                           static_cast<std::uint32_t>(st.run->subtasks_done()),
                                           static_cast<std::uint32_t>(wf.num_subtasks()),
                                           t.succeeded ? st.outputs[static_cast<std::size_t>(t.subtask)] : std::string()});
  st.o.on_event(now, service::SpendUpdate{st.run->spent(), st.run->reserved(), st.o.budget});
}

void finish(workflow_actor* self) {
  auto& st = self->state;
  const WorkflowRun& r = *st.run;
  workflow_outcome out;
  out.result = r.result();
  out.decision_seconds = r.decision_seconds();
  out.redispatched = r.redispatched();
  out.failure_detail = r.failure_detail();
  out.no_worker_left = r.no_worker_left();
  out.samples_per_worker = r.samples_per_worker();
  out.outputs = st.outputs;
  out.promise = st.first_promise;
  out.price_reads = st.price_reads;
  out.tenant_refusals = st.tenant_refusals;
  out.empty_plans = st.empty_plans;
  if (st.o.on_end) st.o.on_end(out);
  if (st.planner_restarts > 0) self->send_exit(st.o.planner, caf::exit_reason::user_shutdown);  // a replacement is ours
  st.promise.deliver(std::move(out));
  self->quit();
}

void act(workflow_actor* self, WorkflowRun::Commands& cmds) {
  auto& st = self->state;
  for (const WorkflowCommand& c : cmds) {
    switch (c.kind) {
      case WorkflowCommand::Kind::plan: ask_planner(self); break;
      case WorkflowCommand::Kind::launch: launch(self, c); break;
      case WorkflowCommand::Kind::cancel:
        if (auto it = st.batches.find(c.subtask); it != st.batches.end()) self->send(it->second, proto::cancel_atom::value);
        break;
      case WorkflowCommand::Kind::batch_over:
        if (st.o.on_batch) st.o.on_batch(st.run->result().attempts[c.trace], st.run->subtasks_done(), st.o.workflow->num_subtasks());
        if (st.o.on_event) batch_over_event(self, st.run->result().attempts[c.trace]);
        break;
      case WorkflowCommand::Kind::decide_later:
        st.o.virtual_time->at(st.o.virtual_time->now_s(), TimePhase::decide, caf::actor_cast<caf::actor>(self),
                              caf::make_message(proto::decide_atom::value));
        break;
      case WorkflowCommand::Kind::retry_later:
        send_later(self, st.o.virtual_time, c.delay_s, st.o.time_scale, TimePhase::event, proto::retry_atom::value);
        break;
      case WorkflowCommand::Kind::finish: finish(self); break;
    }
  }
}

proto::workflow_actor::behavior_type workflow(workflow_actor* self, WorkflowOptions o) {
  auto& st = self->state;
  st.o = std::move(o);
  // Decisions wait for the end of the instant on a virtual clock (the simulator's order).
  st.run.emplace(*st.o.workflow, st.o.budget, st.o.deadline_s, st.o.virtual_time != nullptr);
  st.run->set_retry(st.o.retry_s);
  st.outputs.resize(static_cast<std::size_t>(st.o.workflow->num_subtasks()));
  self->monitor(st.o.planner);
  // Stopped from outside (a run given up, an interrupted node): what it started goes with it — its
  // batches (one may wait for an answer that never comes) and a replacement planner it spawned —
  // so that no actor outlives its workflow and keeps the actor system from shutting down.
  self->set_exit_handler([=](caf::exit_msg& m) {
    auto& st = self->state;
    for (const auto& [subtask, batch] : st.batches) self->send_exit(batch, m.reason);
    if (st.planner_restarts > 0) self->send_exit(st.o.planner, m.reason);
    self->quit(m.reason);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.o.planner.address()) planner_down(self, dm.reason);
  });
  return {
      [=](proto::start_atom) {
        auto& st = self->state;
        st.promise = self->make_response_promise<workflow_outcome>();
        st.started = st.o.clock->now();
        if (st.o.virtual_time) st.origin_s = st.o.virtual_time->now_s();  // its 0: runs may start at any instant
        if (!st.run->finished()) arm_deadline(self);
        on(self, [](WorkflowRun& r, double now, auto& c) { r.start(now, c); });
        return st.promise;
      },
      [=](proto::batch_report& rep) {
        self->state.batches.erase(rep.subtask);
        if (!rep.body.granted && rep.body.source_refused) ++self->state.tenant_refusals;
        if (rep.body.success && rep.subtask >= 0 && rep.subtask < self->state.o.workflow->num_subtasks())
          self->state.outputs[static_cast<std::size_t>(rep.subtask)] = rep.body.output;
        on(self, [&](WorkflowRun& r, double now, auto& c) { r.batch_over(rep.subtask, rep.body, now, c); });
      },
      [=](proto::observed_atom, std::int32_t s, std::int32_t m, std::uint8_t end, bool success, double latency_s, std::int64_t tokens) {
        auto& st = self->state;
        if (st.o.on_sample && s >= 0 && s < st.o.workflow->num_subtasks() && m >= 0 && m < st.o.workflow->num_models())
          st.o.on_sample(s, m, end, success, latency_s, tokens);
      },
      [=](proto::decide_atom) { on(self, [](WorkflowRun& r, double now, auto& c) { r.decide(now, c); }); },
      [=](proto::retry_atom) { on(self, [](WorkflowRun& r, double now, auto& c) { r.retry(now, c); }); },
      [=](proto::settled_atom, std::uint64_t batch_id, std::int64_t released, std::int64_t cost) {
        auto& st = self->state;
        st.run->sample_settled(batch_id, released, cost);
        if (st.o.on_event)
          if (auto it = st.batch_subtask.find(batch_id); it != st.batch_subtask.end())
            st.o.on_event(st.now_s(), service::SampleSettled{st.o.workflow->subtask_id(it->second), batch_id, cost});
      },
      [=](proto::deadline_atom) {
        auto& st = self->state;
        // Planning with nothing running slowed the simulated clock: not due yet.
        if (!st.o.virtual_time && st.o.deadline_s - st.now_s() > 1e-6) return arm_deadline(self);
        on(self, [](WorkflowRun& r, double now, auto& c) { r.deadline(now, c); });
      },
      [=](proto::stop_atom) {  // interrupted (SIGINT/SIGTERM): cancel what runs, report what ran
        on(self, [](WorkflowRun& r, double now, auto& c) { r.stop(now, c); });
      },
  };
}

}  // namespace

proto::workflow_actor spawn_workflow(caf::actor_system& sys, WorkflowOptions options) { return sys.spawn(workflow, std::move(options)); }

}  // namespace concord::actors

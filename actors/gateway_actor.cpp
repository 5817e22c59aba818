#include "gateway_actor.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ledger_actor.hpp"
#include "messages.hpp"
#include "node_manager.hpp"
#include "planner_actor.hpp"
#include "real_time.hpp"
#include "plan/mcpp_planner.hpp"
#include "plan/policy_registry.hpp"
#include "service/submission.hpp"
#include "tenant_drawn_ledger.hpp"
#include "workflow_actor.hpp"

namespace concord::actors {

namespace {

using namespace concord::service;

// ------------------------------------------------------------------------------ one hosted run

/// Everything a hosted run needs, decided before it starts (service/submission.hpp).
struct HostedRun : Submission {
  WorkflowId id = 0;
  std::string source_name;  // the report's label
  std::shared_ptr<const FlatWorkflow> planner_flat;  // what the planner plans with: `flat`, or the belief workflow (--profiles)
  std::shared_ptr<ledger::JournaledLedger> journal;  // --data-dir: its ledger's journal (handed to the ledger actor)
  proto::tenant_actor tenant_ledger;  // the tenant's ledger the workflow draws from (docs/negotiation.md "Actors"); null: none
  std::string tenant_host;     // the node hosting it
};

struct host_state {
  HostedRun run;
  proto::ledger_actor ledger;
  proto::planner_actor planner;
  proto::workflow_actor workflow;
  proto::workflow_outcome outcome;
  int settle_checks = 0;
  bool started = false, stop_asked = false;
  std::string tenant_note;  // why the tenant did not give the workflow an account (then: no money)
  static inline const char* name = "concord.hosted_workflow";
};

/// One hosted workflow's owner: starts its actors, forwards a cancel, and once the run is over
/// and every reservation is settled with the ledger, sends the final event and stops them.
caf::behavior hosted_workflow(caf::stateful_actor<host_state>* self, HostedRun run, proto::gateway_actor gateway,
                              GatewayOptions options) {
  auto& st = self->state;
  st.run = std::move(run);
  // Starts the run's actors once its ledger exists (a tenant's account is opened first).
  auto start = [=](proto::ledger_actor ledger) {
    auto& st = self->state;
    auto& sys = self->system();
    st.ledger = std::move(ledger);
    st.planner = spawn_planner(sys, st.run.planner_flat ? st.run.planner_flat : st.run.flat, st.run.policy, derive_seed(st.run.seed, 1));
    WorkflowOptions wo;
    wo.workflow = st.run.flat;
    wo.budget = st.run.budget;
    wo.deadline_s = st.run.deadline_s;
    wo.time_scale = options.time_scale;
    wo.seed = st.run.seed;
    wo.ledger = st.ledger;
    wo.selector = options.selector;
    wo.planner = st.planner;
    const auto profiles = options.profiles;
    wo.on_event = [gateway, id = st.run.id, profiles](double now_s, EventBody body) {
      if (auto* p = std::get_if<Promised>(&body); p && profiles) p->probability = profiles->calibrate(p->raw);
      caf::anon_send(gateway, proto::hosted_event{id, now_s, std::move(body)});
    };
    if (profiles)
      wo.on_sample = [profiles, wf = st.run.workflow, flat = st.run.flat](int s, int m, std::uint8_t end, bool success, double latency_s,
                                                                          std::int64_t tokens) {
        profiles->observe(*wf, s, flat->model_id(m), learn::Observation{static_cast<learn::SampleEnd>(end), success, latency_s, tokens});
      };
    st.workflow = spawn_workflow(sys, std::move(wo));
    st.started = true;
    // Linked: when the gateway stops the host (the node is stopping), its actors stop with it; a host
    // that ends normally stops them itself (a normal exit does not propagate through links).
    for (const caf::actor& a : {caf::actor_cast<caf::actor>(st.ledger), caf::actor_cast<caf::actor>(st.planner),
                                caf::actor_cast<caf::actor>(st.workflow)})
      self->link_to(a);
    // The run ends by itself (its deadline, or nothing left to run); the answer comes then.
    self->request(st.workflow, caf::infinite, proto::start_atom::value).then([=](proto::workflow_outcome& o) {
      self->state.outcome = std::move(o);
      self->send(self, proto::settled_atom::value);
    }, [=](caf::error& e) {
      self->state.outcome.result.completed = false;
      self->state.outcome.result.reason = EndReason::stalled;
      self->state.outcome.failure_detail = "the workflow did not answer: " + caf::to_string(e);
      self->send(self, proto::settled_atom::value);
    });
    if (st.stop_asked) self->send(st.workflow, proto::stop_atom::value);
  };
  auto& sys = self->system();
  if (st.run.tenant_ledger) {
    // The tenant gives the workflow an account (and opens its lease); without one it gets no money.
    self->request(st.run.tenant_ledger, real_delay(kTenantTimeoutSeconds), proto::open_atom::value)
        .then([=](std::uint64_t account, double lease_s) {
                start(spawn_tenant_drawn_ledger(self->system(), self->state.run.budget, TenantLink{self->state.run.tenant_ledger, account, lease_s}));
              },
              [=](caf::error& e) {
                self->state.tenant_note = fmt::format("tenant {} (node {}) did not open an account: {}; the workflow had no money",
                                                      self->state.run.tenant, self->state.run.tenant_host, caf::to_string(e));
                start(spawn_ledger(self->system(), 0));
              });
  } else if (st.run.journal) {
    start(spawn_journaled_ledger(sys, std::move(st.run.journal), [dir = options.data_dir, id = st.run.id] { dir->mark_settled(id); }));
  } else {
    start(spawn_ledger(sys, st.run.budget));
  }
  auto end = [=](Money committed, std::string ledger_note) {
    auto& st = self->state;
    const EpisodeResult& r = st.outcome.result;
    Ended e;
    e.completed = r.completed;
    e.reason = r.reason;
    e.spend = committed;
    e.makespan_s = r.makespan_s;
    e.subtasks_done = static_cast<std::uint32_t>(r.subtasks_done);
    std::string detail = st.outcome.failure_detail;
    if (st.outcome.redispatched > 0) detail += (detail.empty() ? "" : "; ") + fmt::format("{} samples re-dispatched", st.outcome.redispatched);
    if (!ledger_note.empty()) detail += (detail.empty() ? "" : "; ") + ledger_note;
    if (!st.tenant_note.empty()) detail += (detail.empty() ? "" : "; ") + st.tenant_note;
    double promise = st.outcome.promise;
    if (options.profiles && st.outcome.promise >= 0) {
      promise = options.profiles->calibrate(st.outcome.promise);
      try {  // what this run taught is kept for the next ones; a store that fails does not fail the run
        options.profiles->finish(st.run.workflow->name, st.outcome.promise, promise, r.completed);
      } catch (const std::exception& ex) {
        detail += (detail.empty() ? "" : "; ") + std::string("profiles not saved: ") + ex.what();
      }
    }
    if (options.report) {
      try {
        e.report = options.report(HostedReport{*st.run.workflow, *st.run.flat, r, st.run.source_name, st.run.policy->name(),
                                               st.run.budget_origin, st.run.deadline_origin, detail,
                                               fmt::format("cluster, hosted by node {} (time scale {})", options.node_name,
                                                           options.time_scale),
                                               st.run.seed, st.run.budget, st.run.deadline_s, st.outcome.outputs, promise});
      } catch (const std::exception& ex) {
        e.report = std::string("(the report could not be formatted: ") + ex.what() + ")";
      }
    }
    if (options.observer) {
      for (double d : st.outcome.decision_seconds) options.observer->planner_decision(d);
      if (st.outcome.redispatched > 0) options.observer->samples_redispatched(st.outcome.redispatched);
    }
    caf::anon_send(gateway, proto::hosted_event{st.run.id, r.makespan_s, std::move(e)});
    self->send_exit(st.planner, caf::exit_reason::user_shutdown);
    self->send(st.ledger, proto::stop_atom::value);  // over: a journaled ledger with nothing reserved is marked settled
    self->quit();
  };
  return {
      [=](proto::stop_atom) {
        if (self->state.started) self->send(self->state.workflow, proto::stop_atom::value);
        else self->state.stop_asked = true;
      },
      // The run is over: wait (at most 200 x 10 ms) until subtasks still committing have settled.
      [=](proto::settled_atom) {
        self->request(self->state.ledger, std::chrono::seconds(5), proto::status_atom::value)
            .then(
                [=](proto::ledger_status& s) {
                  if (s.reserved > 0 && ++self->state.settle_checks < 200) {
                    self->delayed_send(self, std::chrono::milliseconds(10), proto::settled_atom::value);
                    return;
                  }
                  end(s.committed, s.reserved > 0 ? fmt::format("{} picodollars still reserved at the end", s.reserved) : "");
                },
                [=](caf::error& err) { end(self->state.outcome.result.spend, "the ledger did not report: " + caf::to_string(err)); });
      },
  };
}

// ------------------------------------------------------------------------------ the gateway

/// Where a tenant's ledger lives, as the node managers answered.
struct TenantRoute {
  proto::tenant_actor ledger;
  std::string host;
};

struct gateway_state {
  GatewayOptions o;
  std::optional<WorkflowRegistry> registry;
  std::map<WorkflowId, caf::actor> hosts;  // running workflows' owners
  Clock::time_point born;
  std::map<std::string, TenantRoute> tenants;  // tenant ledgers found (forgotten when seen down)
  std::map<std::string, std::vector<std::pair<std::string, SubmitRequest>>> parked;  // submits waiting for their tenant's lookup
  Clock::time_point no_tenants_until{};  // a lookup found no tenant configured anywhere: names are labels until then
  static inline const char* name = "concord.gateway";
  double now_s() const { return o.clock->seconds_since(born); }
};

using gateway_self = proto::gateway_actor::stateful_base<gateway_state>;

void reply(gateway_self* self, const std::string& peer, Response r) {
  if (const auto* x = std::get_if<Refused>(&r); x && self->state.o.observer) self->state.o.observer->refused(x->code);
  self->state.o.send(peer, r);
}

/// Metrics of one event of a hosted workflow (before it is appended: `old` is its status then).
void observe(GatewayObserver& m, const WorkflowStatus& old, const EventBody& body) {
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, BatchLaunched>) m.samples_dispatched(b.k);
        else if constexpr (std::is_same_v<B, SampleSettled>) m.sample_settled(b.cost);
        else if constexpr (std::is_same_v<B, SpendUpdate>) m.reserved_changed(b.reserved - old.reserved);
        else if constexpr (std::is_same_v<B, Ended>) {
          m.reserved_changed(-old.reserved);
          m.workflow_ended(b.reason);
        }
      },
      body);
}

void refuse(gateway_self* self, const std::string& peer, RefusalCode code, std::string text, WorkflowId id = 0) {
  reply(self, peer, Refused{code, std::move(text), 0, id});
}

/// Replays a workflow's events from from_seq to the peer and, if it still runs, keeps it watching.
void watch(gateway_self* self, const std::string& peer, WorkflowId id, Seq from_seq) {
  auto& reg = *self->state.registry;
  const auto replay = reg.since(id, from_seq);
  if (replay.lost) {
    Event lost;
    lost.workflow = id;
    lost.body = *replay.lost;
    reply(self, peer, lost);
  }
  for (const Event& e : replay.events) reply(self, peer, e);
  if (reg.running(id)) reg.watch(id, peer);
}

void submit(gateway_self* self, const std::string& peer, SubmitRequest& s);

/// The node managers answered where `tenant`'s ledger lives: the submits parked for it go on, or are
/// refused (unknown tenant, configured on several nodes, lookup failed). No tenant configured on any
/// node: tenant budgets are off (names are labels, as before issue 13) for the next second.
void resolve_tenant(gateway_self* self, const std::string& tenant, std::vector<caf::actor> ledgers, std::vector<std::string> hosts,
                    std::vector<std::string> configured, const std::string& error) {
  auto& st = self->state;
  auto waiting = std::move(st.parked[tenant]);
  st.parked.erase(tenant);
  std::string refusal;
  if (!error.empty()) {
    refusal = fmt::format("tenant: the lookup of tenant \"{}\" failed: {}", tenant, error);
  } else if (ledgers.size() == 1) {
    st.tenants[tenant] = TenantRoute{caf::actor_cast<proto::tenant_actor>(ledgers[0]), hosts[0]};
    self->monitor(ledgers[0]);
  } else if (ledgers.size() > 1) {
    refusal = fmt::format("tenant: \"{}\" is configured on {} nodes ({}): a tenant's ledger must live on exactly one node "
                          "(list it in one node's --tenants file only)", tenant, ledgers.size(), fmt::join(hosts, ", "));
  } else if (configured.empty()) {
    st.no_tenants_until = st.o.clock->now() + std::chrono::seconds(1);
  } else {
    refusal = fmt::format("tenant: no node of the cluster configures tenant \"{}\" (configured: {}){}", tenant, fmt::join(configured, ", "),
                          tenant == "default" ? "; this cluster has tenant budgets: name one (concord submit --tenant NAME)" : "");
  }
  for (auto& [peer, req] : waiting) {
    if (!refusal.empty()) refuse(self, peer, RefusalCode::invalid_workflow, refusal);
    else submit(self, peer, req);
  }
}

void submit(gateway_self* self, const std::string& peer, SubmitRequest& s) {
  auto& st = self->state;
  auto& reg = *st.registry;
  const std::string tenant = s.tenant.empty() ? "default" : s.tenant;
  if (auto id = reg.by_key(tenant, s.idempotency_key)) {  // a resubmission: the same workflow, nothing started
    reply(self, peer, Accepted{*id, true});
    if (s.watch) watch(self, peer, *id, 1);
    return;
  }
  // Which tenant ledger pays (docs/negotiation.md "Actors"): found through the node manager, once.
  const TenantRoute* route = nullptr;
  if (auto it = st.tenants.find(tenant); it != st.tenants.end()) {
    route = &it->second;
  } else if (st.o.node_manager && st.o.clock->now() >= st.no_tenants_until) {
    auto& waiting = st.parked[tenant];
    waiting.emplace_back(peer, std::move(s));
    if (waiting.size() > 1) return;  // a lookup is out already
    self->request(st.o.node_manager, real_delay(kTenantLookupSeconds + 0.5), proto::tenant_atom::value, tenant, true)
        .then([=](std::vector<caf::actor>& ledgers, std::vector<std::string>& hosts, std::vector<std::string>& configured) {
                resolve_tenant(self, tenant, std::move(ledgers), std::move(hosts), std::move(configured), "");
              },
              [=](caf::error& e) { resolve_tenant(self, tenant, {}, {}, {}, caf::to_string(e)); });
    return;
  }
  if (route && st.o.data_dir)
    return refuse(self, peer, RefusalCode::invalid_workflow,
                  fmt::format("tenant: \"{}\" has a tenant budget, and this node journals its ledgers (--data-dir): a journaled "
                              "ledger cannot draw from a tenant yet (submit to a node without --data-dir)", tenant));
  auto checked = check_submission(s);
  if (auto* r = std::get_if<Refused>(&checked)) return reply(self, peer, std::move(*r));
  HostedRun run;
  static_cast<Submission&>(run) = std::move(std::get<Submission>(checked));
  if (st.o.profiles) {  // plan with what the node learned (docs/learning.md): MCPP only
    if (dynamic_cast<McppPlanner*>(run.policy.get())) {
      auto plan = st.o.profiles->prepare(*run.workflow, *run.flat, run.seed);
      run.planner_flat = plan.belief;
      auto policy = make_policy(s.policy.empty() ? "mcpp" : s.policy, *plan.belief, run.seed);
      if (auto* learner = dynamic_cast<McppPlanner*>(policy.get())) learner->set_profile_draws(plan.draws, plan.sets);
      run.policy = std::move(policy);
    }
  }
  // --data-dir: the journal exists before anyone hears of the workflow, under the id admission gives
  // next (admission refuses only when busy, checked first; nothing runs in between: one actor).
  if (st.o.data_dir && reg.running_count() < reg.options().max_running) {
    try {
      run.journal = std::make_shared<ledger::JournaledLedger>(st.o.data_dir->create(reg.next_id(), run.budget));
    } catch (const std::exception& e) {
      return refuse(self, peer, RefusalCode::internal, fmt::format("the workflow's ledger journal could not be created: {}", e.what()));
    }
  }
  auto admission = reg.admit(run.tenant, s.idempotency_key, run.name, run.budget);
  if (admission.refused) return reply(self, peer, *admission.refused);
  run.id = admission.id;
  if (route) run.tenant_ledger = route->ledger, run.tenant_host = route->host;
  run.source_name = !s.source_name.empty() ? s.source_name : fmt::format("workflow {}", run.id);
  reply(self, peer, Accepted{run.id, false});
  Started started{static_cast<std::uint32_t>(run.flat->num_subtasks()), run.budget, run.deadline_s, run.budget_origin,
                  run.deadline_origin, run.policy->name(), run.seed};
  const Event& e = reg.append(run.id, 0.0, std::move(started), st.now_s(), st.o.wall_ns());
  if (st.o.observer) st.o.observer->workflow_started();
  if (s.watch) reg.watch(run.id, peer);
  for (const auto& w : reg.watchers(run.id)) reply(self, w, e);
  const WorkflowId id = run.id;
  st.hosts[id] = self->spawn(hosted_workflow, std::move(run), caf::actor_cast<proto::gateway_actor>(self), st.o);
}

void status(gateway_self* self, const std::string& peer) {
  auto& st = self->state;
  StatusReply s;
  s.node = st.o.node_name;
  s.workflows = st.registry->status();
  s.max_workflows = static_cast<std::uint32_t>(st.o.registry.max_running);
  // Members and workers come from the node manager and the selector, tenants from the node's tenant
  // ledgers (local actors: fast).
  auto send_it = [=](StatusReply s) {
    if (self->state.o.tenants.empty()) return reply(self, peer, std::move(s));
    auto acc = std::make_shared<StatusReply>(std::move(s));
    auto left = std::make_shared<std::size_t>(self->state.o.tenants.size());
    auto one_done = [=] {
      if (--*left > 0) return;
      std::sort(acc->tenants.begin(), acc->tenants.end(), [](const TenantStatus& a, const TenantStatus& b) { return a.name < b.name; });
      reply(self, peer, std::move(*acc));
    };
    for (const auto& [name, t] : self->state.o.tenants)
      self->request(t, std::chrono::seconds(2), proto::status_atom::value)
          .then([=](proto::tenant_status& x) {
                  acc->tenants.push_back(TenantStatus{x.name, x.budget, x.committed, x.reserved, x.committed_total, x.uncovered_total,
                                                      x.late_commits, x.expired_holdings, x.live_leases, x.period_s, x.lease_s});
                  one_done();
                },
                [=](caf::error&) { one_done(); });
  };
  self->request(st.o.selector, std::chrono::seconds(2), proto::models_atom::value)
      .then(
          [=](std::vector<std::string>& models, std::vector<std::int32_t>& live) mutable {
            for (std::size_t i = 0; i < models.size(); ++i) s.workers.push_back(ModelWorkers{models[i], static_cast<std::uint32_t>(live[i])});
            if (!self->state.o.node_manager) return send_it(std::move(s));
            self->request(self->state.o.node_manager, std::chrono::seconds(2), proto::members_atom::value)
                .then([=](std::vector<std::string>& names) mutable {
                  s.nodes = std::move(names);
                  send_it(std::move(s));
                }, [=](caf::error&) mutable { send_it(std::move(s)); });
          },
          [=](caf::error&) mutable { send_it(std::move(s)); });
}

proto::gateway_actor::behavior_type gateway(gateway_self* self, GatewayOptions o) {
  auto& st = self->state;
  st.o = std::move(o);
  st.registry.emplace(st.o.registry);
  st.born = st.o.clock->now();
  if (st.o.data_dir) st.registry->number_above(st.o.data_dir->max_workflow_id());
  for (const auto& r : st.o.restored) {
    st.registry->restore_ended(r.workflow, fmt::format("workflow {} (restored)", r.workflow), r.budget, restored_end(r), st.now_s(),
                               st.o.wall_ns());
    if (st.o.observer) {
      st.o.observer->workflow_started();
      st.o.observer->workflow_ended(EndReason::coordinator_restarted);
    }
  }
  self->delayed_send(self, real_delay(st.o.tick_s), proto::tick_atom::value);
  // A tenant ledger seen down (its node died): found again at the next submit naming it.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& ts = self->state.tenants;
    for (auto it = ts.begin(); it != ts.end();) it = it->second.ledger.address() == dm.source ? ts.erase(it) : std::next(it);
  });
  return {
      [=](proto::client_request& r) {
        // No exception leaves the actor: a bug answers `internal` and the gateway keeps serving.
        try {
          std::visit(
              [&](auto& q) {
                using Q = std::decay_t<decltype(q)>;
                auto& reg = *self->state.registry;
                if (auto& m = self->state.o.observer)
                  m->request(std::is_same_v<Q, SubmitRequest>   ? GatewayObserver::Request::submit
                             : std::is_same_v<Q, WatchRequest>  ? GatewayObserver::Request::watch
                             : std::is_same_v<Q, CancelRequest> ? GatewayObserver::Request::cancel
                                                                : GatewayObserver::Request::status);
                if constexpr (std::is_same_v<Q, SubmitRequest>) {
                  submit(self, r.peer, q);
                } else if constexpr (std::is_same_v<Q, WatchRequest>) {
                  if (!reg.known(q.workflow))
                    return refuse(self, r.peer, RefusalCode::unknown_workflow,
                                  fmt::format("workflowId: no workflow {} on node {} (never, or past its retention)", q.workflow,
                                              self->state.o.node_name), q.workflow);
                  watch(self, r.peer, q.workflow, q.from_seq);
                } else if constexpr (std::is_same_v<Q, CancelRequest>) {
                  if (!reg.known(q.workflow))
                    return refuse(self, r.peer, RefusalCode::unknown_workflow,
                                  fmt::format("workflowId: no workflow {} on node {}", q.workflow, self->state.o.node_name), q.workflow);
                  if (auto it = self->state.hosts.find(q.workflow); it != self->state.hosts.end())
                    caf::anon_send(it->second, proto::stop_atom::value);
                  reply(self, r.peer, Accepted{q.workflow, false});
                } else {
                  status(self, r.peer);
                }
              },
              r.request);
        } catch (const std::exception& e) {
          refuse(self, r.peer, RefusalCode::internal, std::string("the gateway failed: ") + e.what());
        }
      },
      [=](proto::hosted_event& h) {
        auto& st = self->state;
        auto& reg = *st.registry;
        if (!reg.running(h.workflow)) return;  // nothing follows `ended`
        const bool end = std::holds_alternative<Ended>(h.body);
        try {
          if (st.o.observer) observe(*st.o.observer, reg.status_of(h.workflow), h.body);
          const Event& e = reg.append(h.workflow, h.time_s, std::move(h.body), st.now_s(), st.o.wall_ns());
          for (const auto& w : reg.watchers(h.workflow)) reply(self, w, e);
        } catch (const std::exception&) {
          return;  // the workflow was forgotten meanwhile
        }
        if (end) st.hosts.erase(h.workflow);
      },
      [=](proto::tick_atom) {
        self->state.registry->expire(self->state.now_s());
        self->delayed_send(self, real_delay(self->state.o.tick_s), proto::tick_atom::value);
      },
      [=](proto::stop_atom) {
        for (auto& [id, h] : self->state.hosts) self->send_exit(h, caf::exit_reason::user_shutdown);
        self->quit();
      },
  };
}

}  // namespace

service::Ended restored_end(const ledger::RecoveredLedger& r) {
  service::Ended e;
  e.completed = false;
  e.reason = EndReason::coordinator_restarted;
  e.spend = r.committed;
  const auto usd = [](Money m) { return fmt::format("${:.6f}", static_cast<double>(m) * 1e-12); };  // display only
  e.report = fmt::format(
      "workflow {}: FAILED (coordinator_restarted)\n"
      "  The node hosting it died and restarted; the run was not resumed.\n"
      "  ledger     {} replayed ({} records{})\n"
      "  in flight  {} reservation(s) charged at their full reserved amount, {} ({} picodollars):\n"
      "             a worker may have run them to their token cap\n"
      "  spend      {} of {} budget ({} picodollars committed; nothing reserved)\n",
      r.workflow, r.path, r.records, r.torn ? fmt::format(", a torn last record of {} bytes dropped", r.torn->bytes) : "",
      r.in_flight, usd(r.in_flight_charged), r.in_flight_charged, usd(r.committed), usd(r.budget), r.committed);
  return e;
}

proto::gateway_actor spawn_gateway(caf::actor_system& sys, GatewayOptions options) { return sys.spawn(gateway, std::move(options)); }

}  // namespace concord::actors

#include "embedded_cluster.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <map>
#include <stdexcept>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "cluster_network.hpp"
#include "ledger_actor.hpp"
#include "messages.hpp"
#include "model_worker.hpp"
#include "planner_actor.hpp"
#include "tenant_drawn_ledger.hpp"
#include "tenant_ledger_actor.hpp"
#include "selector_actor.hpp"
#include "virtual_time.hpp"
#include "workflow_actor.hpp"

namespace concord::actors {

namespace {

/// A group run's tenant lease (seconds on the virtual clock's real-time view): longer than any run,
/// since a drawn ledger's renewals are CAF timers, which do not fire on a virtual clock.
constexpr double kGroupLeaseSeconds = 1e9;

bool uses_virtual_time(const ClusterOptions& o) { return o.virtual_time && o.join.empty(); }

/// The workflow's answer as the run's report.
void take_outcome(ClusterRun& out, const workflow_outcome& o) {
  out.result = o.result;
  out.decision_seconds = o.decision_seconds;
  out.redispatched = o.redispatched;
  out.detail = o.failure_detail;
  out.samples_per_worker = o.samples_per_worker;
  out.price_reads = o.price_reads;
  out.tenant_refusals = o.tenant_refusals;
  out.empty_plans = o.empty_plans;
}

caf::actor_system_config& configure(caf::actor_system_config& cfg, const ClusterOptions& o) {
  proto::register_messages(cfg);
  if (!o.join.empty()) {
    configure_cluster_network(cfg, o.heartbeat_interval_s, o.connection_timeout_s);
    configure_cluster_tls(cfg, o.tls);
  }
  // Virtual time: one thread runs every actor, message by message, and only run() moves time.
  if (uses_virtual_time(o)) cfg.set("scheduler.policy", caf::atom("testing"));
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", o.threads > 0 ? static_cast<std::size_t>(o.threads) : static_cast<std::size_t>(cores));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

}  // namespace

struct EmbeddedCluster::Impl {
  Impl(std::shared_ptr<const FlatWorkflow> w, ClusterOptions o) : wf(std::move(w)), options(o), sys(configure(cfg, o)) {
    if (uses_virtual_time(o)) vt = std::make_unique<VirtualTime>(o.time_scale);
    SelectorOptions so;
    so.beacon_interval_s = o.beacon_interval_s;
    so.stale_after_intervals = o.stale_after_intervals;
    so.top_l = o.top_l;
    so.time_scale = o.time_scale;
    so.slot_prices = o.slot_prices;
    if (vt) so.clock = vt.get();
    selector = spawn_selector(sys, so);
    if (!o.join.empty()) {
      join_cluster();
    } else {
      for (int n = 0; n < o.nodes; ++n)
        for (int m = 0; m < wf->num_models(); ++m)
          for (int j = 0; j < o.workers_per_model; ++j) {
            WorkerOptions wo;
            wo.name = "node-" + std::to_string(n) + "/" + wf->model_id(m) + "#" + std::to_string(j);
            wo.model = wf->model_id(m);
            wo.time_scale = o.time_scale;
            wo.beacon_interval_s = o.beacon_interval_s;
            wo.slots = o.worker_slots;
            wo.beacon_on_change = o.beacon_on_change;
            if (auto it = o.initial_service_s.find(wo.model); it != o.initial_service_s.end()) wo.initial_latency_ewma_s = it->second;
            wo.beacon_target = caf::actor_cast<caf::actor>(selector);
            if (vt) wo.clock = wo.virtual_time = vt.get();
            if (o.worker_faults) wo.faults = o.worker_faults(static_cast<int>(workers.size()), wo.name);
            workers.emplace_back(wo.name, caf::actor_cast<caf::actor>(spawn_simulated_worker(sys, wo)));
          }
    }
    if (vt) {  // the workers' first beacons reach the selector now; nothing to wait for
      test_coordinator().run();
      return;
    }
    // Wait until the selector has heard every worker's first beacon (at most 400 x 5 ms + replies).
    caf::scoped_actor self{sys};
    std::int32_t known = 0;
    std::string last_error;
    for (int attempt = 0; attempt < 400; ++attempt) {
      known = 0;
      for (int m = 0; m < wf->num_models(); ++m)
        self->request(selector, std::chrono::seconds(5), proto::workers_atom::value, wf->model_id(m))
            .receive([&](std::int32_t n) { known += n; }, [&](caf::error& e) { last_error = sys.render(e); });
      if (known >= static_cast<std::int32_t>(workers.size())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (known < static_cast<std::int32_t>(workers.size()) && known == 0)
      throw std::runtime_error("the selector heard no worker's beacon within 2 s (" + std::to_string(workers.size()) +
                               " workers" + (last_error.empty() ? "" : "; last error: " + last_error) + ")");
  }

  ~Impl() {
    if (options.join.empty())
      for (auto& [name, w] : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(selector, caf::exit_reason::user_shutdown);
    if (vt) {
      test_coordinator().run();
      while (!vt->timeline().empty()) vt->timeline().pop();  // its actor handles go before the system
    }
  }

  caf::scheduler::test_coordinator& test_coordinator() {
    return dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  }

  ClusterRun run_virtual(std::shared_ptr<Policy> policy, const EpisodeConfig& config, BatchCallback on_batch);
  /// Several workflows on the virtual clock, each from its start_s; with tenants their ledgers draw from them.
  TenantGroupRun run_virtual_group(std::vector<GroupMember> members, const GroupOptions& group, BatchCallback on_batch);

  /// A run's workflow on this cluster (both clocks).
  WorkflowOptions workflow_options(const EpisodeConfig& config, const proto::ledger_actor& ledger,
                                   const proto::planner_actor& planner, BatchCallback on_batch) const {
    WorkflowOptions wo;
    wo.workflow = wf;
    wo.budget = config.budget;
    wo.deadline_s = config.deadline_s;
    wo.time_scale = options.time_scale;
    wo.seed = config.seed;
    wo.ledger = ledger;
    wo.selector = selector;
    wo.planner = planner;
    wo.ask_waits = options.join.empty() && options.worker_slots > 0;  // slots: the planner is told the waits
    wo.on_batch = std::move(on_batch);
    return wo;
  }

  /// Connects to every seed, joins, and subscribes the selector to every member's workers.
  void join_cluster() {
    caf::scoped_actor self{sys};
    std::map<std::string, caf::actor> managers;
    std::string errors;
    for (const auto& seed : options.join) {
      const auto hp = parse_host_port(seed);
      if (!hp || hp->port == 0) throw std::runtime_error(seed + ": expected HOST:PORT with a port in 1..65535");
      auto manager = connect_node(sys, hp->host, hp->port, options.tls);
      if (!manager) {
        errors += "  " + seed + ": cannot connect: " + sys.render(manager.error()) + "\n";
        continue;
      }
      proto::join_request req;
      req.protocol_version = proto::kProtocolVersion;
      req.node = "run-client";
      self->request(*manager, std::chrono::seconds(5), req)
          .receive(
              [&](proto::join_reply& reply) {
                if (!reply.accepted) {
                  errors += "  " + seed + ": join refused: " + reply.reason + "\n";
                  return;
                }
                for (std::size_t i = 0; i < reply.members.size(); ++i) managers[reply.member_names[i]] = reply.members[i];
              },
              [&](caf::error& e) { errors += "  " + seed + ": no answer to join: " + sys.render(e) + "\n"; });
    }
    if (managers.empty()) throw std::runtime_error("could not join the cluster:\n" + errors);
    for (const auto& [name, m] : managers) {
      members.push_back(name);
      self->request(m, std::chrono::seconds(5), proto::workers_atom::value)
          .receive(
              [&](std::vector<proto::beacon>& ws) {
                for (auto& w : ws) workers.emplace_back(w.worker, w.handle);
              },
              [&](caf::error& e) { errors += "  " + name + ": no answer to the worker list: " + sys.render(e) + "\n"; });
      self->send(m, proto::subscribe_atom::value, caf::actor_cast<caf::actor>(selector));
    }
    if (workers.empty()) throw std::runtime_error("joined the cluster, but it has no worker" + (errors.empty() ? std::string() : ":\n" + errors));
  }

  std::shared_ptr<const FlatWorkflow> wf;
  ClusterOptions options;
  // Virtual time (null: real time); only the run's thread uses it. Declared before the system:
  // the actors it is given never outlive it (the destructor empties its timeline first).
  std::unique_ptr<VirtualTime> vt;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  proto::selector_actor selector;
  std::vector<std::pair<std::string, caf::actor>> workers;
  std::vector<std::string> members;
  double end_s = 0;  // virtual time: when the group run's last workflow ended (simulated seconds)
};

EmbeddedCluster::EmbeddedCluster(std::shared_ptr<const FlatWorkflow> wf, ClusterOptions options)
    : impl_(std::make_unique<Impl>(std::move(wf), std::move(options))) {}

EmbeddedCluster::~EmbeddedCluster() = default;

ClusterRun EmbeddedCluster::run(std::shared_ptr<Policy> policy, const EpisodeConfig& config, BatchCallback on_batch) {
  if (impl_->vt) return impl_->run_virtual(std::move(policy), config, std::move(on_batch));
  auto& sys = impl_->sys;
  const auto ledger = spawn_ledger(sys, config.budget);
  const auto planner = spawn_planner(sys, impl_->wf, policy, derive_seed(config.seed, 1));
  WorkflowOptions wo = impl_->workflow_options(config, ledger, planner, std::move(on_batch));
  wo.respawn_planner = [&sys, wf = impl_->wf, policy, seed = config.seed](int n) {  // a replacement decides with the same policy
    return spawn_planner(sys, wf, policy, derive_seed(seed, 1000 + static_cast<std::uint64_t>(n)));
  };
  const auto workflow = spawn_workflow(sys, std::move(wo));
  ClusterRun out;
  caf::scoped_actor self{sys};
  // The watcher: when config.stop becomes true (a signal handler sets it), the workflow is
  // told to stop (stop_atom): it cancels what runs and answers with what ran so far.
  std::mutex watch_mx;
  std::condition_variable watch_cv;
  bool run_over = false;
  std::thread watcher;
  if (config.stop)
    watcher = std::thread([&, stop = config.stop] {
      std::unique_lock lock(watch_mx);
      while (!run_over) {
        if (stop->load()) {
          caf::anon_send(workflow, proto::stop_atom::value);
          return;
        }
        watch_cv.wait_for(lock, std::chrono::milliseconds(20));
      }
    });
  // The workflow always ends by itself (its deadline, or a wind-down). The bound is only a
  // backstop against a bug, so it must exceed the longest legitimate run: real time spent
  // planning while nothing runs counts unscaled (workflow_actor.cpp), so a run may take up to
  // the whole deadline in real seconds, plus a planner decision (timeout 120 s) and cancellations.
  // (Scaling the deadline here used to cut such runs off and report them "stalled", empty.)
  const double backstop_s = std::isfinite(config.deadline_s) ? config.deadline_s + 300.0 : 0.0;
  auto take = [&](const workflow_outcome& o) { take_outcome(out, o); };
  auto lost = [&](const caf::error& e) {
    out.result.completed = false;
    out.result.reason = EndReason::stalled;
    out.detail = "workflow did not answer: " + caf::to_string(e);
  };
  const caf::duration backstop = backstop_s > 0 ? caf::duration(std::chrono::milliseconds(static_cast<long long>(backstop_s * 1000)))
                                                : caf::duration(caf::infinite);
  self->request(workflow, backstop, proto::start_atom::value).receive(take, [&](caf::error& e) {
    lost(e);
    caf::anon_send_exit(workflow, caf::exit_reason::user_shutdown);
  });
  {
    std::lock_guard lock(watch_mx);
    run_over = true;
  }
  watch_cv.notify_all();
  if (watcher.joinable()) watcher.join();
  // Subtasks may still be committing when the workflow reports (e.g. after the deadline):
  // read the ledger once every reservation is settled.
  std::string ledger_error;
  for (int i = 0; i < 100; ++i) {
    bool answered = false;
    self->request(ledger, std::chrono::seconds(5), proto::status_atom::value)
        .receive(
            [&](proto::ledger_status& s) {
              out.ledger = {s.budget, s.committed, s.reserved};
              answered = true;
            },
            [&](caf::error& e) { ledger_error = impl_->sys.render(e); });
    if (answered && out.ledger[2] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (out.ledger.size() != 3)
    out.detail += (out.detail.empty() ? "" : "; ") + std::string("the ledger did not report its totals") +
                  (ledger_error.empty() ? "" : ": " + ledger_error);
  caf::anon_send_exit(planner, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(ledger, caf::exit_reason::user_shutdown);
  return out;
}

ClusterRun EmbeddedCluster::Impl::run_virtual(std::shared_ptr<Policy> policy, const EpisodeConfig& config,
                                              BatchCallback on_batch) {
  std::vector<GroupMember> one{GroupMember{std::move(policy), config}};
  return std::move(run_virtual_group(std::move(one), GroupOptions{}, std::move(on_batch)).runs.front());
}

TenantGroupRun EmbeddedCluster::Impl::run_virtual_group(std::vector<GroupMember> members, const GroupOptions& group_options,
                                                        BatchCallback on_batch) {
  auto& sched = test_coordinator();
  vt->restart();  // the run's simulated time starts at 0, as the simulator's
  struct Running {
    proto::ledger_actor ledger;
    proto::planner_actor planner;
    proto::workflow_actor workflow;
    bool ended = false;
    workflow_outcome outcome;  // once ended
  };
  std::vector<Running> running(members.size());  // sized once: on_end holds a reference into it
  TenantGroupRun group;
  group.runs.resize(members.size());
  // Without a tenant the actors are spawned exactly as a single run always was (same actor ids).
  std::optional<caf::scoped_actor> self_holder;
  std::vector<proto::tenant_actor> tenants;
  const bool with_tenants = !group_options.tenants.empty();
  if (with_tenants) {
    self_holder.emplace(sys);
    for (std::size_t t = 0; t < group_options.tenants.size(); ++t) {
      TenantLedgerOptions to;
      to.name = t == 0 ? "run" : "run-" + std::to_string(t);
      to.config.budget_per_period = group_options.tenants[t].budget;
      to.config.lease_s = kGroupLeaseSeconds;
      to.clock = vt.get();
      to.money_price = group_options.tenants[t].money_price;
      tenants.push_back(spawn_tenant_ledger(sys, to));
    }
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    const EpisodeConfig& config = members[i].config;
    const auto member_wf = members[i].workflow ? members[i].workflow : wf;
    if (members[i].tenant < 0 || (with_tenants && static_cast<std::size_t>(members[i].tenant) >= tenants.size()))
      throw std::invalid_argument("run_group: member " + std::to_string(i) + " names tenant " + std::to_string(members[i].tenant) +
                                  " of " + std::to_string(tenants.size()));
    const proto::tenant_actor tenant = with_tenants ? tenants[static_cast<std::size_t>(members[i].tenant)] : proto::tenant_actor{};
    if (with_tenants) {
      auto opened = (*self_holder)->request(tenant, caf::infinite, proto::open_atom::value);
      sched.run();
      TenantLink link{tenant, 0, 0};
      std::string error;
      std::move(opened).receive([&](std::uint64_t account, double lease_s) { link.account = account, link.lease_s = lease_s; },
                                [&](caf::error& e) { error = caf::to_string(e); });
      if (!error.empty()) throw std::runtime_error("the run's tenant ledger did not open an account: " + error);
      running[i].ledger = spawn_tenant_drawn_ledger(sys, config.budget, link);
    } else {
      running[i].ledger = spawn_ledger(sys, config.budget);
    }
    const auto& policy = members[i].policy;
    running[i].planner = spawn_planner(sys, member_wf, policy, derive_seed(config.seed, 1), real_clock(), false);
    WorkflowOptions wo = workflow_options(config, running[i].ledger, running[i].planner, i == 0 ? on_batch : BatchCallback{});
    wo.workflow = member_wf;
    wo.ask_waits = wo.ask_waits && group_options.ask_waits;
    wo.negotiate = group_options.negotiate;
    if (group_options.negotiate) wo.money_price_from = tenant;
    wo.retry_s = group_options.retry_s;
    wo.respawn_planner = [this, policy, member_wf, seed = config.seed](int n) {  // a replacement decides with the same policy
      return spawn_planner(sys, member_wf, policy, derive_seed(seed, 1000 + static_cast<std::uint64_t>(n)), real_clock(), false);
    };
    wo.clock = vt.get();
    wo.virtual_time = vt.get();
    wo.on_end = [&r = running[i], this](const workflow_outcome& o) {
      r.ended = true;
      r.outcome = o;
      end_s = vt->now_s();
    };
    running[i].workflow = spawn_workflow(sys, std::move(wo));
  }
  if (!self_holder) self_holder.emplace(sys);
  caf::scoped_actor& self = *self_holder;
  using Answer = decltype(self->request(running[0].workflow, caf::infinite, proto::start_atom::value));
  std::vector<std::optional<Answer>> answers(running.size());
  end_s = 0;
  for (std::size_t i = 0; i < running.size(); ++i) {
    if (members[i].start_s > 0)  // arrives later: started by the timeline (its outcome comes through on_end)
      vt->at(members[i].start_s, TimePhase::event, caf::actor_cast<caf::actor>(running[i].workflow), caf::make_message(proto::start_atom::value));
    else
      answers[i] = self->request(running[i].workflow, caf::infinite, proto::start_atom::value);
  }
  const auto all_ended = [&] { return std::all_of(running.begin(), running.end(), [](const Running& r) { return r.ended; }); };
  const std::atomic<bool>* stop = members.front().config.stop;
  // Deliver the timeline's events one at a time, each once the previous one's messages are all
  // handled, until every workflow ends (each does: its deadline, or nothing left to run).
  // Bounded: at most kMaxEvents events (beacons included), a backstop against a bug.
  constexpr std::uint64_t kMaxEvents = 200'000'000;
  const Clock& wall = *options.pace_clock;
  const Clock::time_point wall_start = wall.now();
  bool stop_sent = false;
  std::string lost;
  for (std::uint64_t events = 0;; ++events) {
    sched.run();
    if (all_ended()) break;
    if (stop && !stop_sent && stop->load()) {  // interrupted: the workflows cancel what runs
      for (const auto& r : running)
        if (!r.ended) caf::anon_send(r.workflow, proto::stop_atom::value);
      stop_sent = true;
      continue;
    }
    if (vt->timeline().empty() || events >= kMaxEvents) {
      lost = vt->timeline().empty() ? "nothing left to happen" : "more than " + std::to_string(kMaxEvents) + " events";
      break;
    }
    if (options.virtual_limit_s > 0 && vt->timeline().next_s() > options.virtual_limit_s) {
      lost = "still running at the limit of " + std::to_string(options.virtual_limit_s) + " simulated seconds";
      break;
    }
    if (options.pace && options.time_scale > 0) {  // no sooner than simulated time / time scale after the start
      const double due_s = vt->timeline().next_s() / options.time_scale;  // real seconds after the start
      for (double left_s; (left_s = due_s - wall.seconds_since(wall_start)) > 0 && !(stop && stop->load());)
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(left_s, 0.02)));  // 20 ms: a stop is seen soon
      if (stop && !stop_sent && stop->load()) continue;
    }
    auto [target, msg] = vt->timeline().pop();
    caf::anon_send(target, std::move(msg));
  }
  for (std::size_t i = 0; i < running.size(); ++i) {
    ClusterRun& out = group.runs[i];
    std::string why = running[i].ended ? std::string() : lost;
    if (running[i].ended && answers[i]) {
      std::move(*answers[i]).receive(
          [&](workflow_outcome& o) { take_outcome(out, o); },
          [&](caf::error& e) { why = "workflow did not answer: " + caf::to_string(e); });
    } else if (running[i].ended) {
      take_outcome(out, running[i].outcome);
    }
    if (!why.empty()) {
      out.ended = false;
      out.result.completed = false;
      out.result.reason = EndReason::stalled;
      out.detail = "virtual-time run stopped: " + why;
      caf::anon_send_exit(running[i].workflow, caf::exit_reason::user_shutdown);
    }
    auto totals = self->request(running[i].ledger, caf::infinite, proto::status_atom::value);
    sched.run();  // the answer is in self's mailbox now
    std::move(totals).receive([&](proto::ledger_status& s) { out.ledger = {s.budget, s.committed, s.reserved}; },
                              [&](caf::error& e) {
                                out.detail += (out.detail.empty() ? "" : "; ") + std::string("the ledger did not report its totals: ") +
                                              caf::to_string(e);
                              });
  }
  for (const auto& tenant : tenants) {  // after every drawn ledger told the tenant of its last commits and releases
    auto totals = self->request(tenant, caf::infinite, proto::status_atom::value);
    sched.run();
    std::vector<std::int64_t> figures;
    std::move(totals).receive([&](proto::tenant_status& s) { figures = {s.budget, s.committed, s.reserved, s.uncovered_total}; },
                              [](caf::error&) {});
    group.tenants.push_back(figures);
  }
  if (!group.tenants.empty()) group.tenant = group.tenants.front();
  group.end_s = end_s;
  for (const auto& r : running) {
    caf::anon_send_exit(r.planner, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(r.ledger, caf::exit_reason::user_shutdown);
  }
  for (const auto& tenant : tenants) caf::anon_send_exit(tenant, caf::exit_reason::user_shutdown);
  sched.run();
  return group;
}

TenantGroupRun EmbeddedCluster::run_tenant_group(std::vector<GroupMember> members, Money tenant_budget) {
  if (!impl_->vt) throw std::logic_error("run_tenant_group runs on a virtual clock only (ClusterOptions::virtual_time)");
  if (members.empty()) throw std::invalid_argument("run_tenant_group: no workflow to run");
  GroupOptions o;
  o.tenants.push_back(GroupTenant{tenant_budget, std::nullopt});
  return impl_->run_virtual_group(std::move(members), o, {});
}

TenantGroupRun EmbeddedCluster::run_group(std::vector<GroupMember> members, const GroupOptions& options) {
  if (!impl_->vt) throw std::logic_error("run_group runs on a virtual clock only (ClusterOptions::virtual_time)");
  if (members.empty()) throw std::invalid_argument("run_group: no workflow to run");
  return impl_->run_virtual_group(std::move(members), options, {});
}

std::map<std::string, double> EmbeddedCluster::busy_slot_s_by_model() {
  if (!impl_->vt) throw std::logic_error("busy_slot_s_by_model reads a virtual-clock cluster only");
  caf::scoped_actor self{impl_->sys};
  for (const auto& [name, w] : impl_->workers) self->send(w, proto::subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  impl_->test_coordinator().run();  // each answers with a beacon now
  std::map<std::string, double> out;
  for (bool more = true; more;)
    self->receive([&](proto::beacon& b) { out[b.model] += b.busy_slot_s; }, caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
  return out;
}

bool EmbeddedCluster::kill_worker(const std::string& name) {
  for (auto& [n, w] : impl_->workers)
    if (n == name) {
      caf::anon_send_exit(w, caf::exit_reason::kill);
      return true;
    }
  return false;
}

namespace {

/// The selector's (worker -> samples dispatched and not yet reported) table. Throws when the
/// selector does not answer (these are tools for tests and fault injection: they must not guess).
std::vector<std::pair<std::string, std::int32_t>> selector_load(caf::actor_system& sys, const proto::selector_actor& selector) {
  if (dynamic_cast<caf::scheduler::test_coordinator*>(&sys.scheduler()))
    throw std::logic_error("the selector's load is read in real time only (this cluster runs on a virtual clock)");
  caf::scoped_actor self{sys};
  std::vector<std::pair<std::string, std::int32_t>> out;
  std::string error;
  self->request(selector, std::chrono::seconds(5), proto::status_atom::value)
      .receive(
          [&](std::vector<std::string>& names, std::vector<std::int32_t>& assigned) {
            for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], assigned[i]);
          },
          [&](caf::error& e) { error = sys.render(e); });
  if (!error.empty()) throw std::runtime_error("the selector did not report its load: " + error);
  return out;
}

}  // namespace

std::string EmbeddedCluster::busiest_worker() const {
  std::string best;
  std::int32_t most = 0;
  for (const auto& [name, n] : selector_load(impl_->sys, impl_->selector))
    if (n > most) most = n, best = name;
  return best;
}

int EmbeddedCluster::assigned_to(const std::string& worker) const {
  for (const auto& [name, n] : selector_load(impl_->sys, impl_->selector))
    if (name == worker) return n;
  return 0;
}

std::vector<std::string> EmbeddedCluster::member_names() const { return impl_->members; }

std::vector<std::string> EmbeddedCluster::worker_names() const {
  std::vector<std::string> names;
  for (const auto& [n, w] : impl_->workers) names.push_back(n);
  return names;
}

}  // namespace concord::actors

#include "embedded_cluster.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <map>
#include <stdexcept>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "cluster_network.hpp"
#include "ledger_actor.hpp"
#include "messages.hpp"
#include "model_worker.hpp"
#include "planner_actor.hpp"
#include "selector_actor.hpp"
#include "workflow_actor.hpp"

namespace concord::actors {

namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg, const ClusterOptions& o) {
  proto::register_messages(cfg);
  if (!o.join.empty()) configure_cluster_network(cfg, o.heartbeat_interval_s, o.connection_timeout_s);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", o.threads > 0 ? static_cast<std::size_t>(o.threads) : static_cast<std::size_t>(cores));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

}  // namespace

struct EmbeddedCluster::Impl {
  Impl(std::shared_ptr<const FlatWorkflow> w, ClusterOptions o) : wf(std::move(w)), options(o), sys(configure(cfg, o)) {
    SelectorOptions so;
    so.beacon_interval_s = o.beacon_interval_s;
    so.stale_after_intervals = o.stale_after_intervals;
    so.top_l = o.top_l;
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
            wo.beacon_target = selector;
            workers.emplace_back(wo.name, spawn_simulated_worker(sys, wo));
          }
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
  }

  /// Connects to every seed, joins, and subscribes the selector to every member's workers.
  void join_cluster() {
    caf::scoped_actor self{sys};
    std::map<std::string, caf::actor> managers;
    std::string errors;
    for (const auto& seed : options.join) {
      const auto hp = parse_host_port(seed);
      if (!hp || hp->port == 0) throw std::runtime_error(seed + ": expected HOST:PORT with a port in 1..65535");
      auto manager = sys.middleman().remote_actor(hp->host, hp->port);
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
      self->send(m, proto::subscribe_atom::value, selector);
    }
    if (workers.empty()) throw std::runtime_error("joined the cluster, but it has no worker" + (errors.empty() ? std::string() : ":\n" + errors));
  }

  std::shared_ptr<const FlatWorkflow> wf;
  ClusterOptions options;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor selector;
  std::vector<std::pair<std::string, caf::actor>> workers;
  std::vector<std::string> members;
};

EmbeddedCluster::EmbeddedCluster(std::shared_ptr<const FlatWorkflow> wf, ClusterOptions options)
    : impl_(std::make_unique<Impl>(std::move(wf), std::move(options))) {}

EmbeddedCluster::~EmbeddedCluster() = default;

ClusterRun EmbeddedCluster::run(std::shared_ptr<Policy> policy, const EpisodeConfig& config, BatchCallback on_batch) {
  auto& sys = impl_->sys;
  const caf::actor ledger = spawn_ledger(sys, config.budget);
  const caf::actor planner = spawn_planner(sys, impl_->wf, std::move(policy), derive_seed(config.seed, 1));
  WorkflowOptions wo;
  wo.workflow = impl_->wf;
  wo.budget = config.budget;
  wo.deadline_s = config.deadline_s;
  wo.time_scale = impl_->options.time_scale;
  wo.seed = config.seed;
  wo.ledger = ledger;
  wo.selector = impl_->selector;
  wo.planner = planner;
  wo.on_batch = std::move(on_batch);
  const caf::actor workflow = spawn_workflow(sys, std::move(wo));
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
  auto take = [&](const workflow_outcome& o) {
    out.result = o.result;
    out.decision_seconds = o.decision_seconds;
    out.redispatched = o.redispatched;
    out.detail = o.failure_detail;
    out.samples_per_worker = o.samples_per_worker;
  };
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

bool EmbeddedCluster::kill_worker(const std::string& name) {
  for (auto& [n, w] : impl_->workers)
    if (n == name) {
      caf::anon_send_exit(w, caf::exit_reason::kill);
      return true;
    }
  return false;
}

namespace {

/// The selector's (worker -> samples dispatched and not yet reported) table.
/// The selector's (worker -> samples dispatched and not yet reported) table. Throws when the
/// selector does not answer (these are tools for tests and fault injection: they must not guess).
std::vector<std::pair<std::string, std::int32_t>> selector_load(caf::actor_system& sys, const caf::actor& selector) {
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

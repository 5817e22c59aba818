#include "embedded_cluster.hpp"

#include <chrono>
#include <thread>

#include <caf/all.hpp>

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
    selector = spawn_selector(sys, so);
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
    // Wait until the selector has heard every worker's first beacon.
    caf::scoped_actor self{sys};
    for (int attempt = 0; attempt < 200; ++attempt) {
      std::int32_t known = 0;
      for (int m = 0; m < wf->num_models(); ++m)
        self->request(selector, std::chrono::seconds(5), proto::workers_atom::value, wf->model_id(m))
            .receive([&](std::int32_t n) { known += n; }, [](caf::error&) {});
      if (known >= static_cast<std::int32_t>(workers.size())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  ~Impl() {
    for (auto& [name, w] : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(selector, caf::exit_reason::user_shutdown);
  }

  std::shared_ptr<const FlatWorkflow> wf;
  ClusterOptions options;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor selector;
  std::vector<std::pair<std::string, caf::actor>> workers;
};

EmbeddedCluster::EmbeddedCluster(std::shared_ptr<const FlatWorkflow> wf, ClusterOptions options)
    : impl_(std::make_unique<Impl>(std::move(wf), options)) {}

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
  // Generous: the whole deadline in real time plus slack for planning.
  const double real_deadline = std::isfinite(config.deadline_s) ? config.deadline_s / impl_->options.time_scale : 3600.0;
  const auto timeout = std::chrono::milliseconds(static_cast<long long>((real_deadline + 60.0) * 1000));
  self->request(workflow, timeout, proto::start_atom::value)
      .receive(
          [&](const workflow_outcome& o) {
            out.result = o.result;
            out.decision_seconds = o.decision_seconds;
            out.redispatched = o.redispatched;
            out.detail = o.failure_detail;
          },
          [&](caf::error& e) {
            out.result.completed = false;
            out.result.reason = EndReason::stalled;
            out.detail = "workflow did not answer: " + caf::to_string(e);
            caf::anon_send_exit(workflow, caf::exit_reason::user_shutdown);
          });
  // Subtasks may still be committing when the workflow reports (e.g. after the deadline);
  // the ledger's figures are read after a moment without new messages.
  for (int i = 0; i < 50; ++i) {
    std::vector<std::int64_t> status;
    self->request(ledger, std::chrono::seconds(5), proto::status_atom::value)
        .receive([&](std::vector<std::int64_t>& s) { status = std::move(s); }, [](caf::error&) {});
    out.ledger = status;
    if (status.size() == 3 && status[2] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
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

std::vector<std::string> EmbeddedCluster::worker_names() const {
  std::vector<std::string> names;
  for (const auto& [n, w] : impl_->workers) names.push_back(n);
  return names;
}

}  // namespace concord::actors

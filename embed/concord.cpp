#include "concord/concord.hpp"

#include <fmt/format.h>

#include "edge/curve_keys.hpp"
#include "embedded_cluster.hpp"
#include "gateway_run.hpp"
#include "model/limits.hpp"
#include "model/money.hpp"
#include "model/validate.hpp"
#include "model/workflow_json.hpp"
#include "plan/policy_registry.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"

namespace concord {

namespace {

constexpr double kMaxDeadlineS = 1e7;  // as `concord run --deadline`

RunReport make_report(const FlatWorkflow& flat, const EpisodeConfig& cfg, const actors::ClusterRun& run) {
  const EpisodeResult& r = run.result;
  RunReport out;
  out.completed = r.completed;
  out.reason = std::string(to_string(r.reason));
  out.detail = run.detail;
  if (run.redispatched > 0) out.detail += (out.detail.empty() ? "" : "; ") + fmt::format("{} samples re-dispatched", run.redispatched);
  out.spend_usd = dollars(r.spend);
  out.budget_usd = dollars(cfg.budget);
  out.makespan_s = r.makespan_s;
  out.deadline_s = cfg.deadline_s;
  out.subtasks_done = r.subtasks_done;
  out.subtasks_total = flat.num_subtasks();
  out.planner_decisions = r.decisions;
  out.subtasks.resize(static_cast<std::size_t>(flat.num_subtasks()));
  for (int s = 0; s < flat.num_subtasks(); ++s) out.subtasks[static_cast<std::size_t>(s)].id = flat.subtask_id(s);
  std::vector<Money> cost(out.subtasks.size(), 0);
  for (const AttemptTrace& a : r.attempts) {
    SubtaskOutcome& o = out.subtasks[static_cast<std::size_t>(a.subtask)];
    if (o.attempts++ == 0) o.start_s = a.start_s;
    o.model = flat.model_id(a.model);
    o.k = a.k;
    o.end_s = a.end_s;
    o.done = o.done || a.succeeded;
    cost[static_cast<std::size_t>(a.subtask)] += a.cost;
  }
  for (std::size_t s = 0; s < cost.size(); ++s) out.subtasks[s].cost_usd = dollars(cost[s]);
  return out;
}

}  // namespace

Runtime::Runtime(RuntimeOptions options) : options_(std::move(options)) {
  if (options_.nodes < 1) throw InputError("RuntimeOptions", "nodes", "must be at least 1");
  if (options_.workers_per_model < 1) throw InputError("RuntimeOptions", "workers_per_model", "must be at least 1");
  if (const auto bad = actors::check_tls_files({options_.tls_cert, options_.tls_key, options_.tls_ca}, {"tls_cert", "tls_key", "tls_ca"}))
    throw InputError("RuntimeOptions", "", *bad);
  if (!(options_.time_scale >= 1 && options_.time_scale <= 1e7))
    throw InputError("RuntimeOptions", "time_scale", "must be in 1..10000000 simulated seconds per real second");
  if (!options_.gateway.empty()) {
    if (!options_.join.empty()) throw InputError("RuntimeOptions", "gateway", "goes without join (one way to reach a cluster)");
    if (options_.gateway.rfind("tcp://", 0) != 0 && options_.gateway.rfind("ipc://", 0) != 0)
      throw InputError("RuntimeOptions", "gateway", fmt::format("'{}' is not tcp://HOST:PORT (or ipc://PATH)", options_.gateway));
    if (options_.gateway_server_key.empty() != options_.gateway_client_key.empty())
      throw InputError("RuntimeOptions", options_.gateway_server_key.empty() ? "gateway_client_key" : "gateway_server_key",
                       "gateway_server_key and gateway_client_key go together");
    if (!options_.gateway_server_key.empty()) {
      curve_server_public_ = edge::read_curve_key(options_.gateway_server_key);  // InputError naming the file
      curve_secret_ = edge::read_curve_key(options_.gateway_client_key);
    }
    if (!(options_.gateway_timeout_s > 0 && options_.gateway_timeout_s <= 3600))
      throw InputError("RuntimeOptions", "gateway_timeout_s", "must be above 0 and at most 3600 seconds");
    if (!(options_.gateway_idle_timeout_s > 0 && options_.gateway_idle_timeout_s <= 1e6))
      throw InputError("RuntimeOptions", "gateway_idle_timeout_s", "must be above 0 and at most 1000000 seconds");
  } else if (!options_.gateway_server_key.empty() || !options_.gateway_client_key.empty() || !options_.tenant.empty()) {
    throw InputError("RuntimeOptions", options_.tenant.empty() ? "gateway_server_key" : "tenant", "applies only with gateway");
  }
}

RunReport Runtime::run(const Workflow& wf, const RunRequest& request, ProgressCallback progress) const {
  validate_workflow(wf, wf.name.empty() ? "workflow" : wf.name);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  EpisodeConfig cfg;
  cfg.semantics = Semantics::runtime;
  const std::optional<double> budget = request.budget_usd ? request.budget_usd : wf.budget_usd;
  const std::optional<double> deadline = request.deadline_s ? request.deadline_s : wf.deadline_s;
  if (budget && !(*budget >= 0 && *budget <= limits::kMaxBudgetUsd))
    throw InputError("RunRequest", "budget_usd", fmt::format("must be in 0..{} dollars", limits::kMaxBudgetUsd));
  if (deadline && !(*deadline > 0 && *deadline <= kMaxDeadlineS))
    throw InputError("RunRequest", "deadline_s", fmt::format("must be above 0 and at most {} seconds", kMaxDeadlineS));
  if (!options_.gateway.empty()) {
    if (request.budget_usd && *request.budget_usd == 0)
      throw InputError("RunRequest", "budget_usd", "must be above 0 through a gateway (0 on the wire means the workflow's own)");
    std::vector<std::string> ids;
    for (int s = 0; s < flat.num_subtasks(); ++s) ids.push_back(flat.subtask_id(s));
    const embed::GatewayTarget target{options_.gateway, curve_server_public_, curve_secret_, options_.tenant,
                                      options_.policy, options_.gateway_timeout_s, options_.gateway_idle_timeout_s};
    return embed::run_through_gateway(wf, ids, request, progress, target);
  }
  cfg.budget = budget ? money_from_dollars(*budget) : nominal_budget(flat);
  cfg.deadline_s = deadline ? *deadline : nominal_deadline_s(flat);
  cfg.seed = request.seed;
  cfg.stop = request.cancel;
  std::shared_ptr<Policy> policy = make_policy(options_.policy, flat, request.seed);

  actors::ClusterOptions co;
  co.join = options_.join;
  co.tls = {options_.tls_cert, options_.tls_key, options_.tls_ca};
  co.nodes = options_.nodes;
  co.workers_per_model = options_.workers_per_model;
  co.time_scale = options_.time_scale;
  co.virtual_time = options_.join.empty();
  co.pace = false;
  auto shared = std::make_shared<const FlatWorkflow>(flat);
  actors::EmbeddedCluster cluster(shared, co);
  const auto run = cluster.run(policy, cfg, [&](const AttemptTrace& a, int done, int total) {
    if (!progress) return;
    progress(ProgressEvent{flat.subtask_id(a.subtask), flat.model_id(a.model), a.k, a.succeeded, a.end_s, dollars(a.cost), done, total});
  });
  return make_report(flat, cfg, run);
}

std::future<RunReport> Runtime::submit(Workflow wf, RunRequest request, ProgressCallback progress) const {
  return std::async(std::launch::async, [this, wf = std::move(wf), request, progress = std::move(progress)] {
    return run(wf, request, progress);
  });
}

Workflow Runtime::parse_workflow(std::string_view json, const std::string& source) {
  Workflow wf = parse_workflow_json(json, source);
  validate_workflow(wf, source);
  return wf;
}

std::string to_text(const RunReport& r) {
  return fmt::format(
      "result     {}{}\nspend      ${:.6f} of ${:.6f} budget\nmakespan   {:.2f} s of {:.2f} s deadline\n"
      "progress   {}/{} subtasks done, {} planner decisions\n",
      r.completed ? "COMPLETED" : "FAILED: ", r.completed ? "" : r.reason, r.spend_usd, r.budget_usd, r.makespan_s, r.deadline_s,
      r.subtasks_done, r.subtasks_total, r.planner_decisions);
}

std::string_view version() { return CONCORD_VERSION; }

}  // namespace concord

#include "contention_cluster.hpp"

#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "contention/arrivals.hpp"
#include "contention/price_board.hpp"
#include "embedded_cluster.hpp"
#include "plan/mcpp_planner.hpp"

namespace concord::actors {

using contention::ContentionPolicy;

contention::RunResult run_contention_on_actors(const contention::ContentionWorkload& workload,
                                               const contention::ContentionConfig& config) {
  if (const std::string err = config.validate(); !err.empty()) throw std::invalid_argument("contention config: " + err);
  const bool negotiating = config.policy == ContentionPolicy::negotiation;
  if (negotiating && (!config.price_signals || !config.queue_view))
    throw std::invalid_argument("contention config: the actors run the whole negotiation (prices and queue view); "
                                "the ablations are the simulator's");
  std::vector<std::shared_ptr<const FlatWorkflow>> flats;
  for (const auto& t : workload.templates) flats.push_back(std::make_shared<const FlatWorkflow>(t.flat));
  const contention::PriceScales scales = contention::price_scales(workload, config);

  ClusterOptions co;
  co.virtual_time = true;
  co.time_scale = 1;         // the actors' clocks read simulated seconds (prices tick on them)
  co.beacon_interval_s = 1;  // one beacon per worker per simulated second
  co.beacon_on_change = true;  // and one at every start and end: the selector sees every slot (the simulator's view)
  co.nodes = 1;
  co.workers_per_model = config.workers_per_model;
  co.worker_slots = config.slots_per_worker;
  co.threads = 1;
  // The simulator's prior of a model's service time (its pool EWMA starts there): without it the
  // queue view shows no wait until a sample has ended, and negotiation completed 0.04 less (seed 3).
  for (std::size_t m = 0; m < workload.models.size(); ++m) co.initial_service_s[workload.models[m]] = workload.mean_service_s[m];
  if (negotiating)
    for (const auto& model : workload.models)
      co.slot_prices[model] = negotiate::PriceTerms{
          contention::slot_price_config(config, config.workers_per_model * config.slots_per_worker, scales), config.tick_s, 0};
  EmbeddedCluster cluster(flats.front(), co);

  GroupOptions go;
  for (int t = 0; t < config.tenants; ++t) {
    GroupTenant gt;
    gt.budget = money_from_dollars(config.tenant_budget_usd);
    if (negotiating)
      gt.money_price = negotiate::PriceTerms{contention::money_price_config(config, scales), config.tick_s,
                                             config.adaptive_pace ? config.window_s : 0.0};
    go.tenants.push_back(gt);
  }
  go.negotiate = negotiating;
  go.ask_waits = false;  // fcfs plans as if no queue existed; negotiation reads the queue view instead
  go.retry_s = config.retry_s;

  const std::vector<contention::Arrival> arrivals = contention::poisson_arrivals(config, static_cast<int>(workload.templates.size()));
  contention::RunResult r;
  r.policy = config.policy;
  r.arrival_rate_per_s = config.arrival_rate_per_s;
  r.replicate = config.replicate;
  if (arrivals.empty()) return r;
  std::vector<GroupMember> members;
  for (const auto& a : arrivals) {
    const auto& tmpl = workload.templates[static_cast<std::size_t>(a.template_index)];
    const Money own = static_cast<Money>(std::floor(static_cast<double>(tmpl.nominal_budget) * a.budget_ratio));
    GroupMember m;
    m.workflow = flats[static_cast<std::size_t>(a.template_index)];
    m.policy = std::make_shared<McppPlanner>(*m.workflow, config.planner);  // one per workflow: its outlook is its own
    m.config.budget = config.policy == ContentionPolicy::static_split ? std::min(own, money_from_dollars(config.static_share_usd())) : own;
    m.config.deadline_s = tmpl.nominal_deadline_s * a.deadline_ratio;
    m.config.seed = a.seed;
    m.start_s = a.time_s;
    m.tenant = a.tenant;
    members.push_back(std::move(m));
  }
  const TenantGroupRun g = cluster.run_group(std::move(members), go);

  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    const auto& a = arrivals[i];
    const auto& tmpl = workload.templates[static_cast<std::size_t>(a.template_index)];
    const ClusterRun& run = g.runs[i];
    contention::WorkflowOutcome w;
    w.template_index = a.template_index;
    w.tenant = a.tenant;
    w.arrival_s = a.time_s;
    w.deadline_s = tmpl.nominal_deadline_s * a.deadline_ratio;
    w.budget = static_cast<Money>(std::floor(static_cast<double>(tmpl.nominal_budget) * a.budget_ratio));
    w.completed = run.ended && run.result.completed;
    w.reason = run.result.reason;
    w.end_s = a.time_s + run.result.makespan_s;
    w.spend = run.ledger.size() == 3 ? run.ledger[1] : run.result.spend;
    w.decisions = run.result.decisions;
    w.price_reads = run.price_reads;
    w.tenant_refusals = run.tenant_refusals;
    w.priced_waits = run.empty_plans;
    w.planner_s = std::accumulate(run.decision_seconds.begin(), run.decision_seconds.end(), 0.0);
    r.workflows.push_back(w);
  }
  for (const auto& t : g.tenants) {
    contention::TenantOutcome o;
    if (t.size() == 4) o.budget = t[0], o.committed = t[1], o.uncovered = t[3], o.peak_held = t[1] + t[2];
    r.tenants.push_back(o);
  }
  r.end_s = g.end_s;
  const auto busy = cluster.busy_slot_s_by_model();  // utilisation as the simulator reports it
  const double capacity = static_cast<double>(config.workers_per_model) * config.slots_per_worker;
  for (const auto& model : workload.models) {
    const auto it = busy.find(model);
    r.utilisation.push_back(r.end_s > 0 && it != busy.end() ? it->second / (capacity * r.end_s) : 0.0);
  }
  return r;
}

}  // namespace concord::actors

#include "chaos_workload.hpp"

#include "load_workflow.hpp"
#include "model/input_error.hpp"
#include "sim/nominal.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/proofflow.hpp"

namespace concord::cli {

std::vector<Workflow> load_chaos_workload(const std::string& workload, int dags, const std::string& datasets_dir) {
  std::vector<Workflow> out;
  if (workload == "proofflow" || workload == "codeflow") {
    WorkloadOptions wo;
    if (!datasets_dir.empty()) wo.datasets_dir = datasets_dir;
    out = (workload == "proofflow" ? build_proofflow(wo) : build_codeflow(wo)).workflows;
  } else {
    out.push_back(load_workflow(workload, LoadOptions{}));
  }
  if (out.empty()) throw InputError(workload, "", "holds no runnable workflow");
  if (dags > 0 && static_cast<std::size_t>(dags) < out.size()) out.resize(static_cast<std::size_t>(dags));
  return out;
}

ChaosWorkload::ChaosWorkload(const std::string& workload, int dags, const std::string& datasets_dir)
    : workflows_(load_chaos_workload(workload, dags, datasets_dir)) {
  for (const Workflow& wf : workflows_) {
    flats_.push_back(std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(wf)));
    deadlines_.push_back(nominal_deadline_s(*flats_.back()));
  }
}

PlannedRun ChaosWorkload::plan(std::uint64_t seed, std::uint64_t run, const chaos::PlanOptions& options) const {
  PlannedRun p;
  p.plan = chaos::plan_run(seed, run, deadlines_, options);
  p.workflow = &workflows_[p.plan.workflow];
  p.flat = flats_[p.plan.workflow];
  p.budget = static_cast<Money>(static_cast<double>(nominal_budget(*p.flat)) * p.plan.budget_ratio);
  p.deadline_s = deadlines_[p.plan.workflow] * p.plan.deadline_ratio;
  if (p.plan.tenant.on) {
    Money total = p.budget;
    for (const chaos::CompanionRun& c : p.plan.tenant.companions) {
      PlannedRun::Terms t;
      t.seed = c.seed;
      t.budget = static_cast<Money>(static_cast<double>(nominal_budget(*p.flat)) * c.budget_ratio);
      t.deadline_s = deadlines_[p.plan.workflow] * c.deadline_ratio;
      total += t.budget;
      p.companions.push_back(t);
    }
    p.tenant_budget = static_cast<Money>(static_cast<double>(total) * p.plan.tenant.budget_ratio);
  }
  return p;
}

}  // namespace concord::cli

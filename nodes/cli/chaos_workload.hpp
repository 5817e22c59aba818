#pragma once
// The workflows of `concord chaos` and how a run picks its own: the same for the embedded mode,
// the multi-host harness and the client it runs inside host 0 (run K of seed S is the same
// workflow, budget and deadline everywhere: chaos/fault_plan.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chaos/fault_plan.hpp"
#include "model/money.hpp"
#include "model/workflow.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::cli {

/// The workload's workflows (proofflow | codeflow | FILE.json), the first `dags` (all if 0).
/// Throws InputError naming the workload.
std::vector<Workflow> load_chaos_workload(const std::string& workload, int dags, const std::string& datasets_dir);

/// One run's draw: its plan, its workflow, and that workflow's budget and deadline for the run.
struct PlannedRun {
  chaos::RunPlan plan;
  const Workflow* workflow = nullptr;
  std::shared_ptr<const FlatWorkflow> flat;
  Money budget = 0;       // nominal x plan.budget_ratio
  double deadline_s = 0;  // simulated: nominal x plan.deadline_ratio
  /// A tenant run (plan.tenant.on; the embedded mode only): the companions' terms, in the plan's
  /// order, and the tenant's budget (plan.tenant.budget_ratio x the sum of every workflow's budget).
  struct Terms {
    std::uint64_t seed = 0;
    Money budget = 0;
    double deadline_s = 0;
  };
  std::vector<Terms> companions;
  Money tenant_budget = 0;
};

class ChaosWorkload {
 public:
  ChaosWorkload(const std::string& workload, int dags, const std::string& datasets_dir);
  PlannedRun plan(std::uint64_t seed, std::uint64_t run, const chaos::PlanOptions& options = {}) const;
  const std::vector<Workflow>& workflows() const { return workflows_; }

 private:
  std::vector<Workflow> workflows_;
  std::vector<std::shared_ptr<const FlatWorkflow>> flats_;
  std::vector<double> deadlines_;  // nominal, simulated seconds
};

}  // namespace concord::cli

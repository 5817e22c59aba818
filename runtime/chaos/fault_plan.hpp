#pragma once
// The seeded schedule of one chaos run: which workflow, its budget and deadline, and the faults
// its workers play. Pure: plan_run(seed, run) is the same on every machine, so a run is replayed
// exactly from (seed, run) (the cluster runs on a virtual clock).
#include <cstdint>
#include <vector>

#include "chaos/fault_points.hpp"
#include "chaos/worker_fault.hpp"

namespace concord::chaos {

struct PlacedFault {
  std::uint32_t worker = 0;  // index into the cluster's workers (taken modulo their number)
  WorkerFault fault;
};

/// An in-process fault point (chaos/fault_points.hpp) armed for the run: its hit number after + 1 fails.
struct PointFault {
  FaultPoint point = FaultPoint::ledger_request_lost;
  std::int64_t after = 0;
};

/// The points a chaos run arms (journal_fdatasync needs a journaled ledger: its own tests).
inline constexpr FaultPoint kChaosPoints[] = {FaultPoint::ledger_request_lost, FaultPoint::ledger_reply_lost,
                                              FaultPoint::ledger_request_duplicated, FaultPoint::ledger_request_delayed,
                                              FaultPoint::planner_crash};

/// A workflow run beside the plan's own, at the same time on the same cluster, drawing from the
/// same tenant (the same workflow of the workload: the cluster's workers serve its models).
struct CompanionRun {
  std::uint64_t seed = 0;
  double budget_ratio = 1;    // of the workflow's nominal budget
  double deadline_ratio = 1;  // of its nominal deadline
};

/// Whether the run's workflows draw their money from a tenant ledger (docs/negotiation.md), and
/// how much the tenant may spend: budget_ratio x the sum of its workflows' own budgets, so that
/// the tenant binds (refuses what the workflows' own ledgers would grant) in many runs (a third or more of the tenant runs of seed 1).
struct TenantPlan {
  bool on = false;
  double budget_ratio = 1;
  std::vector<CompanionRun> companions;  // workflows beside the plan's own (tenant runs only)
};

struct RunPlan {
  std::uint64_t seed = 0;          // the run's own seed (policy, workers' draws)
  std::uint32_t workflow = 0;      // index into the workload
  double budget_ratio = 1;         // of the workflow's nominal budget
  double deadline_ratio = 1;       // of the workflow's nominal deadline
  std::vector<PlacedFault> faults;
  std::vector<PointFault> points;  // at most one per point
  TenantPlan tenant;
};

struct PlanOptions {
  int max_faults = 3;              // faults per run: 1..max_faults
  std::vector<WorkerFaultKind> kinds;  // the kinds to draw from (empty: every kind)
  int max_point_faults = 2;        // fault points armed per run: 0..max_point_faults, distinct points
  /// Tenant runs: workflows beside the plan's own, 0..max_companions. -1: no run has a tenant.
  int max_companions = 2;
};

/// `nominal_deadlines_s`: the workload's workflows' nominal deadlines (one per workflow; not
/// empty). Times are drawn relative to the run's deadline (nominal x deadline_ratio): a fault
/// starts in its first 60 %, lasts 5-30 % of it; a delay is 5-40 % of it. Fault points come from a
/// stream of their own (max_point_faults 0 leaves the rest of the plan as it was without them): a
/// ledger point fails one of the run's first 40 ledger calls, planner_crash one of its first 15 decisions.
/// The tenant comes from a third stream (max_companions -1 leaves the rest as it was): half the runs
/// have one, with 0..max_companions companions, each budget 0.3-1.5 x and deadline 0.5-2 x nominal, and
/// a tenant budget of 0.1-1 x the sum of its workflows' own budgets.
RunPlan plan_run(std::uint64_t root_seed, std::uint64_t run, const std::vector<double>& nominal_deadlines_s,
                 const PlanOptions& options = {});

}  // namespace concord::chaos

// The chaos harness's pure parts: the seeded fault schedule (chaos/fault_plan.hpp), what a worker
// fault means at a time (chaos/worker_fault.hpp), the invariants (chaos/invariants.hpp) and the
// safeguard switches (chaos/safeguards.hpp). Each invariant is shown to fire on facts that break
// it and to stay quiet on facts that do not.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <vector>
#include <set>

#include "chaos/fault_plan.hpp"
#include "chaos/fault_points.hpp"
#include "chaos/host_fault.hpp"
#include "chaos/invariants.hpp"
#include "chaos/safeguards.hpp"
#include "chaos/worker_fault.hpp"

namespace concord::chaos {
namespace {

TEST(FaultPlan, TheSameSeedAndRunGiveTheSamePlanAndEveryKindIsDrawn) {
  const std::vector<double> deadlines{100, 250, 40};
  std::set<WorkerFaultKind> kinds;
  std::set<std::uint32_t> workflows;
  for (std::uint64_t run = 0; run < 200; ++run) {
    const RunPlan a = plan_run(7, run, deadlines), b = plan_run(7, run, deadlines);
    ASSERT_EQ(a.seed, b.seed);
    ASSERT_EQ(a.workflow, b.workflow);
    ASSERT_EQ(a.faults.size(), b.faults.size());
    EXPECT_GE(a.faults.size(), 1u);
    EXPECT_LE(a.faults.size(), 3u);
    EXPECT_LT(a.workflow, deadlines.size());
    workflows.insert(a.workflow);
    const double deadline = deadlines[a.workflow] * a.deadline_ratio;
    for (std::size_t i = 0; i < a.faults.size(); ++i) {
      EXPECT_EQ(a.faults[i].fault.kind, b.faults[i].fault.kind);
      EXPECT_EQ(a.faults[i].fault.from_s, b.faults[i].fault.from_s);
      EXPECT_GE(a.faults[i].fault.from_s, 0);
      EXPECT_LE(a.faults[i].fault.from_s, 0.6 * deadline);
      EXPECT_GT(a.faults[i].fault.to_s, a.faults[i].fault.from_s);
      kinds.insert(a.faults[i].fault.kind);
    }
  }
  EXPECT_EQ(kinds.size(), static_cast<std::size_t>(kWorkerFaultKinds));
  EXPECT_EQ(workflows.size(), deadlines.size());
  EXPECT_NE(plan_run(7, 0, deadlines).seed, plan_run(8, 0, deadlines).seed);
  // Restricted kinds are honoured.
  PlanOptions only;
  only.kinds = {WorkerFaultKind::hang};
  for (std::uint64_t run = 0; run < 20; ++run)
    for (const auto& f : plan_run(1, run, deadlines, only).faults) EXPECT_EQ(f.fault.kind, WorkerFaultKind::hang);
}

TEST(FaultPlan, FaultPointsAreSeededDistinctBoundedAndLeaveTheWorkerFaultsAlone) {
  const std::vector<double> deadlines{100, 250, 40};
  std::map<FaultPoint, int> armed;
  PlanOptions none;
  none.max_point_faults = 0;
  for (std::uint64_t run = 0; run < 400; ++run) {
    const RunPlan a = plan_run(3, run, deadlines), b = plan_run(3, run, deadlines), c = plan_run(3, run, deadlines, none);
    ASSERT_EQ(a.points.size(), b.points.size());
    EXPECT_LE(a.points.size(), 2u);
    std::set<FaultPoint> seen;
    for (std::size_t i = 0; i < a.points.size(); ++i) {
      EXPECT_EQ(a.points[i].point, b.points[i].point);
      EXPECT_EQ(a.points[i].after, b.points[i].after);
      EXPECT_TRUE(seen.insert(a.points[i].point).second);  // at most one arming per point
      EXPECT_NE(a.points[i].point, FaultPoint::journal_fdatasync);
      EXPECT_GE(a.points[i].after, 0);
      EXPECT_LT(a.points[i].after, a.points[i].point == FaultPoint::planner_crash ? 15 : 40);
      ++armed[a.points[i].point];
    }
    // The points come from a stream of their own: without them the rest of the plan is the same.
    EXPECT_TRUE(c.points.empty());
    ASSERT_EQ(a.faults.size(), c.faults.size());
    EXPECT_EQ(a.seed, c.seed);
    EXPECT_EQ(a.budget_ratio, c.budget_ratio);
    for (std::size_t i = 0; i < a.faults.size(); ++i) {
      EXPECT_EQ(a.faults[i].worker, c.faults[i].worker);
      EXPECT_EQ(a.faults[i].fault.kind, c.faults[i].fault.kind);
      EXPECT_EQ(a.faults[i].fault.from_s, c.faults[i].fault.from_s);
    }
  }
  EXPECT_EQ(armed.size(), std::size(kChaosPoints));
  for (const auto& [point, n] : armed) EXPECT_GE(n, 50) << to_string(point);  // ~80 each in 400 runs
}

TEST(FaultPlan, TenantRunsAreSeededBoundedAboutHalfAndLeaveTheRestOfThePlanAlone) {
  const std::vector<double> deadlines{100, 250, 40};
  PlanOptions none;
  none.max_companions = -1;
  int tenant_runs = 0;
  std::set<std::size_t> companion_counts;
  for (std::uint64_t run = 0; run < 400; ++run) {
    const RunPlan a = plan_run(5, run, deadlines), b = plan_run(5, run, deadlines), c = plan_run(5, run, deadlines, none);
    EXPECT_EQ(a.tenant.on, b.tenant.on);
    EXPECT_EQ(a.tenant.budget_ratio, b.tenant.budget_ratio);
    ASSERT_EQ(a.tenant.companions.size(), b.tenant.companions.size());
    EXPECT_FALSE(c.tenant.on);
    EXPECT_TRUE(c.tenant.companions.empty());
    if (a.tenant.on) {
      ++tenant_runs;
      companion_counts.insert(a.tenant.companions.size());
      EXPECT_GE(a.tenant.budget_ratio, 0.1);
      EXPECT_LE(a.tenant.budget_ratio, 1.0);
      EXPECT_LE(a.tenant.companions.size(), 2u);
      for (std::size_t i = 0; i < a.tenant.companions.size(); ++i) {
        const CompanionRun& x = a.tenant.companions[i];
        EXPECT_EQ(x.seed, b.tenant.companions[i].seed);
        EXPECT_NE(x.seed, a.seed);
        EXPECT_GE(x.budget_ratio, 0.3);
        EXPECT_LE(x.budget_ratio, 1.5);
        EXPECT_GE(x.deadline_ratio, 0.5);
        EXPECT_LE(x.deadline_ratio, 2.0);
      }
    } else {
      EXPECT_TRUE(a.tenant.companions.empty());
    }
    // The tenant comes from a stream of its own: without it the rest of the plan is the same.
    EXPECT_EQ(a.seed, c.seed);
    EXPECT_EQ(a.workflow, c.workflow);
    EXPECT_EQ(a.budget_ratio, c.budget_ratio);
    EXPECT_EQ(a.deadline_ratio, c.deadline_ratio);
    ASSERT_EQ(a.faults.size(), c.faults.size());
    for (std::size_t i = 0; i < a.faults.size(); ++i) EXPECT_EQ(a.faults[i].fault.from_s, c.faults[i].fault.from_s);
    ASSERT_EQ(a.points.size(), c.points.size());
    for (std::size_t i = 0; i < a.points.size(); ++i) EXPECT_EQ(a.points[i].after, c.points[i].after);
  }
  EXPECT_GT(tenant_runs, 160);  // about half of 400
  EXPECT_LT(tenant_runs, 240);
  EXPECT_EQ(companion_counts, (std::set<std::size_t>{0, 1, 2}));
}

TEST(FaultPoints, CountedArmingFailsExactlyTheNamedHitsAndCountsThem) {
  disarm_faults();
  arm_fault(FaultPoint::ledger_reply_lost, 2, 3);
  std::vector<bool> hits;
  for (int i = 0; i < 8; ++i) hits.push_back(buggify(FaultPoint::ledger_reply_lost));
  EXPECT_EQ(hits, (std::vector<bool>{false, false, true, true, true, false, false, false}));
  EXPECT_EQ(fired(FaultPoint::ledger_reply_lost), 3);
  EXPECT_EQ(fired(FaultPoint::ledger_request_lost), 0);
  EXPECT_FALSE(buggify(FaultPoint::planner_crash));  // never armed
  EXPECT_EQ(fault_point_named("planner_crash"), FaultPoint::planner_crash);
  EXPECT_FALSE(fault_point_named("nope"));
  disarm_faults();
  EXPECT_EQ(fired(FaultPoint::ledger_reply_lost), 0);
}

TEST(HostFaultPlan, SeededRotatingEveryKindEquallyNeverHittingHostZeroWithinItsBounds) {
  std::array<int, kHostFaultKinds> per_kind{};
  for (std::uint64_t run = 0; run < 200; ++run) {
    const HostFault a = plan_host_fault(1, run, 4, 50), b = plan_host_fault(1, run, 4, 50);
    ASSERT_EQ(a.kind, b.kind);
    ASSERT_EQ(a.host, b.host);
    ASSERT_EQ(a.start_s, b.start_s);
    EXPECT_GE(a.host, 1);  // host 0 hosts the gateway and the workflow
    EXPECT_LE(a.host, 3);
    EXPECT_GE(a.start_s, 0);
    EXPECT_LE(a.start_s, 0.6 * 50);
    EXPECT_GE(a.length_s, 0.2);
    EXPECT_LT(a.length_s, 2);
    if (a.kind == HostFaultKind::degrade_link) {
      EXPECT_GE(a.delay_ms, 10);
      EXPECT_LE(a.delay_ms, 100);
      EXPECT_LE(a.jitter_ms, a.delay_ms / 2 + 1);
      EXPECT_GE(a.loss_percent, 0);
      EXPECT_LE(a.loss_percent, 10);
      EXPECT_GE(a.throttle_kbit, 16);
      EXPECT_LE(a.throttle_kbit, 256);
      EXPECT_NE(a.netem_spec().find("delay "), std::string::npos) << a.netem_spec();
    }
    ++per_kind[static_cast<std::size_t>(a.kind)];
  }
  for (int n : per_kind) EXPECT_EQ(n, 50);  // 200 runs: exactly 50 of each kind
  EXPECT_EQ(plan_host_fault(1, 7, 2, 10).host, 1);  // two hosts: only host 1 can be hit
}

TEST(WorkerFault, ACrashIsForGoodOtherFaultsHoldInTheirWindow) {
  const WorkerFault crash{WorkerFaultKind::crash, 5, 6, 1};
  EXPECT_FALSE(crash.active_at(4.9));
  EXPECT_TRUE(crash.active_at(5));
  EXPECT_TRUE(crash.active_at(1e6));
  const WorkerFault hang{WorkerFaultKind::hang, 5, 6, 1};
  EXPECT_TRUE(hang.active_at(5.5));
  EXPECT_FALSE(hang.active_at(6));
  const std::vector<WorkerFault> faults{hang, {WorkerFaultKind::slow, 0, 10, 3}};
  EXPECT_EQ(active_fault(faults, WorkerFaultKind::slow, 5.5)->factor, 3);
  EXPECT_EQ(active_fault(faults, WorkerFaultKind::hang, 7), nullptr);
  EXPECT_EQ(to_string(WorkerFaultKind::duplicate_result), "duplicate_result");
}

RunFacts healthy() {
  RunFacts f;
  f.budget = 1000;
  f.spend = f.ledger_committed = f.settled = 600;
  f.successes_per_subtask = {1, 1, 0};
  f.completed = false;
  f.end_reason = "deadline_exhausted";
  f.subtasks_done = 2;
  f.subtasks_total = 3;
  f.end_s = f.deadline_s = 100;
  f.detection_bound_s = 4;
  f.threads_before = f.threads_after = 3;
  f.fds_before = f.fds_after = 9;
  return f;
}

/// The names of the invariants `f` breaks.
std::set<std::string> broken(const RunFacts& f) {
  std::set<std::string> names;
  for (const auto& v : check_invariants(f)) names.insert(v.substr(0, v.find(':')));
  return names;
}

TEST(Invariants, EachFiresOnFactsThatBreakItAndNoneOnAHealthyRun) {
  EXPECT_TRUE(check_invariants(healthy()).empty());
  auto with = [](auto change) {
    RunFacts f = healthy();
    change(f);
    return broken(f);
  };
  EXPECT_TRUE(with([](RunFacts& f) { f.spend = f.ledger_committed = f.settled = 1001; }).count("spend_within_budget"));
  EXPECT_TRUE(with([](RunFacts& f) { f.ledger_reserved = 401; }).count("ledger_within_budget"));
  EXPECT_TRUE(with([](RunFacts& f) { f.ledger_reserved = 1; }).count("nothing_left_reserved"));
  EXPECT_TRUE(with([](RunFacts& f) { f.settled = 599; }).count("ledger_equals_settlements"));
  EXPECT_TRUE(with([](RunFacts& f) { f.spend = 601; }).count("reported_spend_is_the_ledgers"));
  EXPECT_TRUE(with([](RunFacts& f) { f.successes_per_subtask[0] = 2; }).count("subtask_completed_at_most_once"));
  EXPECT_TRUE(with([](RunFacts& f) { f.subtasks_done = 3; }).count("done_count"));
  EXPECT_TRUE(with([](RunFacts& f) { f.end_reason.clear(); }).count("ended_with_a_reason"));
  EXPECT_TRUE(with([](RunFacts& f) { f.completed = true; }).count("completed_means_completed"));
  EXPECT_TRUE(with([](RunFacts& f) { f.end_s = 104.5; }).count("ended_by_the_deadline"));
  EXPECT_TRUE(with([](RunFacts& f) { f.end_s = 103.9; }).empty());  // within the detection bound
  EXPECT_TRUE(with([](RunFacts& f) { f.threads_after = 4; }).count("no_leaked_thread"));
  EXPECT_TRUE(with([](RunFacts& f) { f.fds_after = 10; }).count("no_leaked_file_descriptor"));
}

TEST(Invariants, EachTenantInvariantFiresOnFactsThatBreakItAndNoneOnAHealthyTenant) {
  TenantFacts ok;
  ok.budget = 1000;
  ok.committed = ok.workflows_committed = 1000;  // spent to the last picodollar: still within
  EXPECT_TRUE(check_tenant_invariants(ok).empty());
  auto broken_by = [&](auto change) {
    TenantFacts t = ok;
    change(t);
    std::set<std::string> names;
    for (const auto& v : check_tenant_invariants(t)) names.insert(v.substr(0, v.find(':')));
    return names;
  };
  EXPECT_EQ(broken_by([](TenantFacts& t) { t.committed = t.workflows_committed = 1001; }), std::set<std::string>{"tenant_within_budget"});
  EXPECT_TRUE(broken_by([](TenantFacts& t) { t.committed = 900, t.workflows_committed = 900, t.reserved = 101; }).count("tenant_within_budget"));
  EXPECT_EQ(broken_by([](TenantFacts& t) { t.committed = t.workflows_committed = 500, t.reserved = 1; }),
            std::set<std::string>{"tenant_nothing_left_reserved"});
  EXPECT_EQ(broken_by([](TenantFacts& t) { t.workflows_committed = 999; }), std::set<std::string>{"tenant_equals_its_workflows"});
  EXPECT_EQ(broken_by([](TenantFacts& t) { t.committed = 990, t.uncovered = 10; }), std::set<std::string>{"tenant_equals_its_workflows"});
  EXPECT_EQ(broken_by([](TenantFacts& t) { t.reported = false; }), std::set<std::string>{"tenant_reported"});
}

TEST(Safeguards, AllOnUntilOneIsDisabledAndNamesRoundTrip) {
  for (int i = 0; i < kSafeguards; ++i) {
    const auto s = static_cast<Safeguard>(i);
    EXPECT_TRUE(safeguard_on(s));
    EXPECT_EQ(safeguard_named(to_string(s)), s);
  }
  EXPECT_FALSE(safeguard_named("no_such_safeguard"));
  disable_safeguard(Safeguard::redispatch);
  EXPECT_FALSE(safeguard_on(Safeguard::redispatch));
  EXPECT_TRUE(safeguard_on(Safeguard::deadline_timer));
  restore_safeguards();
  EXPECT_TRUE(safeguard_on(Safeguard::redispatch));
}

}  // namespace
}  // namespace concord::chaos

// The workflow state machine (sim/workflow_run.hpp) without CAF: every way a run ends, the
// deadline cancelling what runs, a refused reservation, and decisions deferred to the end of an
// instant (virtual time) or taken at once (real time).
#include <gtest/gtest.h>

#include "model/limits.hpp"
#include "model/validate.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/workflow_run.hpp"
#include "test_support.hpp"

namespace concord {
namespace {

using Kind = WorkflowCommand::Kind;
using Commands = WorkflowRun::Commands;
using testing::model;
using testing::subtask;

/// a -> b, one model; each sample 10 s, succeeds, 100 tokens.
FlatWorkflow chain() {
  Workflow wf;
  wf.name = "chain";
  wf.models = {model("m", 1.0)};
  wf.subtasks = {subtask("a", {}, "m", {{10.0, true, 100}}), subtask("b", {"a"}, "m", {{10.0, true, 100}})};
  validate_workflow(wf, "test");
  return FlatWorkflow::compile(wf);
}

std::vector<WorkflowCommand> of_kind(const Commands& cmds, Kind k) {
  std::vector<WorkflowCommand> out;
  for (const auto& c : cmds)
    if (c.kind == k) out.push_back(c);
  return out;
}

BatchReport done_batch(Money cost) {
  BatchReport r;
  r.success = true;
  r.successes = 1;
  r.cost = cost;
  return r;
}

BatchReport failed_batch(Money cost) {
  BatchReport r;
  r.failures = 1;
  r.cost = cost;
  return r;
}

std::optional<EndReason> ended(const Commands& cmds) {
  for (const auto& c : cmds)
    if (c.kind == Kind::finish) return c.reason;
  return std::nullopt;
}

struct WorkflowRunChain : ::testing::Test {
  FlatWorkflow wf = chain();
  Money budget = money_from_dollars(1);
  Commands out;
  /// Starts the run and answers its first plan with (a, m, k).
  WorkflowRun started(bool defer, int k = 1) {
    WorkflowRun r(wf, budget, 100.0, defer);
    r.start(0, out);
    EXPECT_EQ(of_kind(out, Kind::plan).size(), 1u);
    const std::vector<Assignment> a{{0, 0, k}};
    r.planned(a, 0.01, 0, out);
    return r;
  }
};

TEST_F(WorkflowRunChain, CompletesWhenEverySubtaskIsDone) {
  WorkflowRun r = started(false);
  const auto l = of_kind(out, Kind::launch);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].attempt, 1);
  EXPECT_EQ(r.reserved(), l[0].reservation);  // the batch's worst case is held from its launch
  r.sample_settled(l[0].batch_id, l[0].reservation, 700);
  EXPECT_EQ(r.spent(), 700);
  EXPECT_EQ(r.reserved(), 0);
  out.clear();
  r.batch_over(0, done_batch(700), 10, out);
  EXPECT_EQ(of_kind(out, Kind::batch_over).size(), 1u);
  ASSERT_EQ(of_kind(out, Kind::plan).size(), 1u);  // b is ready: plan again
  PlanView v;
  r.plan_view(10, v);
  EXPECT_EQ(v.dispatchable, (std::vector<int>{1}));
  const std::vector<Assignment> b{{1, 0, 1}};
  out.clear();
  r.planned(b, 0.01, 10, out);
  r.batch_over(1, done_batch(700), 20, out);
  EXPECT_EQ(ended(out), EndReason::completed);
  EXPECT_TRUE(r.result().completed);
  EXPECT_EQ(r.result().makespan_s, 20);
  EXPECT_EQ(r.result().spend, 1400);
  EXPECT_EQ(r.result().decisions, 2);
}

TEST_F(WorkflowRunChain, TheDeadlineCancelsWhatRunsAndEndsWhenTheLastBatchHasReported) {
  WorkflowRun r = started(false, 3);
  out.clear();
  r.deadline(100, out);
  const auto c = of_kind(out, Kind::cancel);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].subtask, 0);
  EXPECT_FALSE(ended(out));  // not before the cancelled batch has settled its samples
  BatchReport cut;
  cut.cancelled = 3;
  cut.cost = 90;
  r.batch_over(0, cut, 100, out);
  EXPECT_EQ(ended(out), EndReason::deadline_exhausted);
  EXPECT_EQ(r.result().makespan_s, 100);
  EXPECT_FALSE(r.result().attempts[0].finished);
  EXPECT_EQ(r.result().spend, 90);
}

TEST_F(WorkflowRunChain, ARefusedReservationWithNothingElseRunningEndsOnTheBudget) {
  WorkflowRun r = started(false);
  BatchReport refused;
  refused.granted = false;
  out.clear();
  r.batch_over(0, refused, 0, out);
  EXPECT_EQ(ended(out), EndReason::budget_exhausted);
  EXPECT_TRUE(r.result().attempts.empty());  // a refused batch never ran: no trace, no attempt
  EXPECT_EQ(r.reserved(), 0);
}

TEST_F(WorkflowRunChain, APolicyThatPlacesNothingStallsTheRun) {
  WorkflowRun r(wf, budget, 100, false);
  r.start(0, out);
  r.planned({}, 0.01, 0, out);
  EXPECT_EQ(ended(out), EndReason::stalled);
}

// set_retry (the contention rule, issue 13): a batch its tenant refused, or a plan that launched
// nothing (a priced wait), with nothing running, is asked again retry_s later -- once at a time --
// instead of ending the run; a refusal by the workflow's own budget still ends it; no retry fits
// before the deadline: nothing more is asked and the deadline ends the run.
TEST_F(WorkflowRunChain, WithRetryATenantsRefusalOrAPricedWaitIsAskedAgainLater) {
  WorkflowRun r(wf, budget, 100.0, false);
  r.set_retry(2.0);
  r.start(0, out);
  out.clear();
  r.planned({}, 0.01, 0, out);  // a priced wait
  ASSERT_FALSE(ended(out));
  auto later = of_kind(out, Kind::retry_later);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_DOUBLE_EQ(later[0].delay_s, 2.0);
  out.clear();
  r.retry(2, out);
  EXPECT_EQ(of_kind(out, Kind::plan).size(), 1u);
  const std::vector<Assignment> a{{0, 0, 1}};
  out.clear();
  r.planned(a, 0.01, 2, out);
  BatchReport refused;
  refused.granted = false;
  refused.source_refused = true;  // by the tenant
  out.clear();
  r.batch_over(0, refused, 2, out);
  ASSERT_FALSE(ended(out));
  EXPECT_EQ(of_kind(out, Kind::retry_later).size(), 1u);
  out.clear();
  r.batch_over(0, refused, 2, out);  // a second report changes nothing: one retry at a time
  EXPECT_TRUE(of_kind(out, Kind::retry_later).empty());
  out.clear();
  r.retry(99, out);  // asked again at 99: plans, but a wait then leaves no time for another retry
  ASSERT_EQ(of_kind(out, Kind::plan).size(), 1u);
  out.clear();
  r.planned({}, 0.01, 99, out);
  EXPECT_TRUE(of_kind(out, Kind::retry_later).empty());
  EXPECT_FALSE(ended(out));
  out.clear();
  r.deadline(100, out);
  EXPECT_EQ(ended(out), EndReason::deadline_exhausted);
}

TEST_F(WorkflowRunChain, WithRetryARefusalByTheWorkflowsOwnBudgetStillEndsTheRun) {
  WorkflowRun r(wf, budget, 100.0, false);
  r.set_retry(2.0);
  r.start(0, out);
  const std::vector<Assignment> a{{0, 0, 1}};
  r.planned(a, 0.01, 0, out);
  BatchReport refused;
  refused.granted = false;  // its own ledger: source_refused false
  out.clear();
  r.batch_over(0, refused, 0, out);
  EXPECT_EQ(ended(out), EndReason::budget_exhausted);
  EXPECT_TRUE(of_kind(out, Kind::retry_later).empty());
}

TEST_F(WorkflowRunChain, APlannerFailureEndsTheRunStalledWithItsText) {
  WorkflowRun r = started(false);
  out.clear();
  r.plan_failed("boom", 0, out);  // (a later decision's failure)
  EXPECT_EQ(of_kind(out, Kind::cancel).size(), 1u);
  r.batch_over(0, failed_batch(5), 1, out);
  EXPECT_EQ(ended(out), EndReason::stalled);
  EXPECT_EQ(r.failure_detail(), "planner failed: boom");
}

TEST_F(WorkflowRunChain, NoWorkerLeftForAModelEndsTheRunSayingSo) {
  WorkflowRun r = started(false);
  BatchReport nobody;
  nobody.no_worker_left = true;
  nobody.failures = 1;
  nobody.reason = "no worker left for model m";
  out.clear();
  r.batch_over(0, nobody, 3, out);
  EXPECT_EQ(ended(out), EndReason::no_worker_left);
  EXPECT_EQ(r.failure_detail(), "no worker left for model m");
}

TEST_F(WorkflowRunChain, AStopCancelsWhatRunsAndEndsInterrupted) {
  WorkflowRun r = started(false);
  out.clear();
  r.stop(4, out);
  EXPECT_EQ(of_kind(out, Kind::cancel).size(), 1u);
  BatchReport cut;
  cut.cancelled = 1;
  r.batch_over(0, cut, 4, out);
  EXPECT_EQ(ended(out), EndReason::interrupted);
  EXPECT_EQ(r.result().makespan_s, 4);
}

TEST_F(WorkflowRunChain, AStopBeforeTheStartRunsNothing) {
  WorkflowRun r(wf, budget, 100, false);
  r.stop(0, out);
  r.start(0, out);
  EXPECT_EQ(of_kind(out, Kind::plan).size(), 0u);
  EXPECT_EQ(ended(out), EndReason::interrupted);
}

TEST_F(WorkflowRunChain, ASubtaskThatFailsItsLastAllowedBatchEndsTheRun) {
  WorkflowRun r(wf, budget, 1e9, false);
  r.start(0, out);
  for (int i = 0; i < limits::kMaxAttemptsPerSubtask && !r.finished(); ++i) {
    const std::vector<Assignment> a{{0, 0, 1}};
    r.planned(a, 0, 0, out);
    r.batch_over(0, failed_batch(0), 0, out);
  }
  EXPECT_EQ(ended(out), EndReason::attempts_exhausted);
  EXPECT_EQ(r.result().attempts.size(), static_cast<std::size_t>(limits::kMaxAttemptsPerSubtask));
  EXPECT_EQ(r.failure_detail(), "subtask a failed 1000 batches");
}

TEST_F(WorkflowRunChain, OnAVirtualClockDecisionsWaitForTheEndOfTheInstant) {
  WorkflowRun r = started(true);
  out.clear();
  r.batch_over(0, done_batch(700), 10, out);
  EXPECT_EQ(of_kind(out, Kind::plan).size(), 0u);  // not yet: more may happen at t = 10
  ASSERT_EQ(of_kind(out, Kind::decide_later).size(), 1u);
  out.clear();
  r.decide(10, out);
  EXPECT_EQ(of_kind(out, Kind::plan).size(), 1u);
}

TEST_F(WorkflowRunChain, ThePolicySeesRunningSamplesAtTheirExpectedEndAndOnlyThoseNotSettled) {
  WorkflowRun r = started(false, 3);
  const auto l = of_kind(out, Kind::launch);
  r.sample_settled(l[0].batch_id, l[0].reservation / 3, 100);  // one sample stopped
  PlanView v;
  r.plan_view(4, v);
  ASSERT_EQ(v.in_flight.size(), 2u);
  for (const auto& f : v.in_flight) EXPECT_EQ(f.finish_s, 10.0);  // start 0 + mean latency 10
  r.plan_view(12, v);
  for (const auto& f : v.in_flight) EXPECT_EQ(f.finish_s, 12.0);  // overdue: expected now
}

}  // namespace
}  // namespace concord

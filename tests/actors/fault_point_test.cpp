// In-process fault points (chaos/fault_points.hpp) on the embedded cluster's virtual clock: a
// batch's messages to its ledger lost, answered but the answer lost, duplicated or late (out of
// order); a planner that dies mid-decision. The run still ends by itself, with every reservation
// settled and the ledger's committed total equal to the reported spend (nothing charged twice);
// without the safeguard that copes (the ledger retry, the planner's replacement) it does not.
#include <gtest/gtest.h>

#include "chaos/fault_points.hpp"
#include "chaos/safeguards.hpp"
#include "embedded_cluster.hpp"
#include "plan/simple_policies.hpp"
#include "sim/nominal.hpp"
#include "support/proofflow_workflow.hpp"

namespace concord::actors {
namespace {

using chaos::FaultPoint;

/// Points and safeguards are process-wide: every test leaves them as it found them.
struct FaultScope {
  FaultScope() { chaos::disarm_faults(); }
  ~FaultScope() {
    chaos::disarm_faults();
    chaos::restore_safeguards();
  }
};

struct Outcome {
  ClusterRun run;
  Money budget = 0;
  double deadline_s = 0;
  std::int64_t fired = 0;
};

/// ProofFlow workflow 0, nominal budget and deadline, greedy policy (deterministic decisions),
/// with `point` failing its hits after+1 .. after+times.
Outcome run_with(FaultPoint point, std::int64_t after, std::int64_t times) {
  const auto wf = testing::proofflow_workflow(0);
  ClusterOptions co;
  co.virtual_time = true;
  EpisodeConfig cfg;
  cfg.budget = nominal_budget(*wf);
  cfg.deadline_s = nominal_deadline_s(*wf);
  co.virtual_limit_s = 3 * cfg.deadline_s + 200;  // a run that cannot end by itself is stopped here
  EmbeddedCluster cluster(wf, co);
  chaos::disarm_faults();
  if (times > 0) chaos::arm_fault(point, after, times);
  Outcome o;
  o.run = cluster.run(std::make_shared<GreedyPolicy>(), cfg);
  o.fired = chaos::fired(point);
  chaos::disarm_faults();
  o.budget = cfg.budget;
  o.deadline_s = cfg.deadline_s;
  return o;
}

void expect_settled(const Outcome& o) {
  const ClusterRun& r = o.run;
  EXPECT_TRUE(r.ended) << r.detail;
  EXPECT_LE(r.result.spend, o.budget);
  ASSERT_EQ(r.ledger.size(), 3u);
  EXPECT_EQ(r.ledger[1], r.result.spend);  // committed = reported: nothing charged twice, nothing lost
  EXPECT_EQ(r.ledger[2], 0);               // nothing left reserved
  Money settled = 0;
  for (const auto& a : r.result.attempts) settled += a.cost;
  EXPECT_EQ(settled, r.result.spend);
}

TEST(FaultPoints, LostDuplicatedOrLateLedgerMessagesAreAskedAgainAndChargedOnce) {
  FaultScope scope;
  const Outcome clean = run_with(FaultPoint::ledger_request_lost, 0, 0);
  ASSERT_TRUE(clean.run.result.completed) << clean.run.detail;
  for (const FaultPoint p : {FaultPoint::ledger_request_lost, FaultPoint::ledger_reply_lost, FaultPoint::ledger_request_duplicated,
                             FaultPoint::ledger_request_delayed}) {
    for (const std::int64_t after : {0, 1, 2, 5, 11}) {  // reserves and commits, early and later in the run
      SCOPED_TRACE(std::string(chaos::to_string(p)) + " after " + std::to_string(after));
      const Outcome o = run_with(p, after, 1);
      EXPECT_EQ(o.fired, 1);
      expect_settled(o);
      EXPECT_TRUE(o.run.result.completed) << to_string(o.run.result.reason) << " " << o.run.detail;
      // The same samples ran (greedy decides from state alone): the fault only cost time.
      EXPECT_EQ(o.run.result.spend, clean.run.result.spend);
      EXPECT_GE(o.run.result.makespan_s, clean.run.result.makespan_s);
    }
  }
}

TEST(FaultPoints, ARequestLostOnEveryAttemptButTheLastStillGetsThrough) {
  FaultScope scope;
  const Outcome clean = run_with(FaultPoint::ledger_request_lost, 0, 0);
  const int lost = kDefaultTunables.ledger_attempts - 1;  // the first reserve's attempts 1..5
  const Outcome o = run_with(FaultPoint::ledger_request_lost, 0, lost);
  EXPECT_EQ(o.fired, lost);
  expect_settled(o);
  EXPECT_TRUE(o.run.result.completed) << o.run.detail;
  EXPECT_EQ(o.run.result.spend, clean.run.result.spend);
  // Five retry intervals late (simulated seconds), no more.
  EXPECT_LE(o.run.result.makespan_s,
            clean.run.result.makespan_s + lost * kDefaultTunables.ledger_retry_s * kDefaultTunables.time_scale + 1e-9);
}

TEST(FaultPoints, ALedgerThatNeverAnswersRefusesTheBatchAndTheRunGoesOnSettled) {
  FaultScope scope;
  // Every attempt of the first reserve lost: the batch gives up (refused), the workflow re-plans.
  const Outcome clean = run_with(FaultPoint::ledger_request_lost, 0, 0);
  const Outcome o = run_with(FaultPoint::ledger_request_lost, 0, kDefaultTunables.ledger_attempts);
  EXPECT_EQ(o.fired, kDefaultTunables.ledger_attempts);
  expect_settled(o);
  // No 7th attempt: the batch gave up (refused, nothing ran), was planned again, and the run completes.
  EXPECT_TRUE(o.run.result.completed) << o.run.detail;
  EXPECT_EQ(o.run.result.subtasks_done, clean.run.result.subtasks_done);
}

TEST(FaultPoints, WithoutTheLedgerRetryALostRequestHoldsItsBatchForever) {
  FaultScope scope;
  chaos::disable_safeguard(chaos::Safeguard::ledger_retry);  // the mutation: what the retry is for
  const Outcome o = run_with(FaultPoint::ledger_request_lost, 0, 1);
  EXPECT_EQ(o.fired, 1);
  EXPECT_FALSE(o.run.ended) << "the first batch's reserve was lost and never asked again, yet the run ended: "
                            << to_string(o.run.result.reason);
}

TEST(FaultPoints, APlannerThatDiesMidDecisionIsReplacedAndTheRunGoesOnUnchanged) {
  FaultScope scope;
  const Outcome clean = run_with(FaultPoint::planner_crash, 0, 0);
  for (const std::int64_t after : {0, 3}) {
    SCOPED_TRACE("after " + std::to_string(after));
    const Outcome o = run_with(FaultPoint::planner_crash, after, 2);  // two planners die in a row
    EXPECT_EQ(o.fired, 2);
    expect_settled(o);
    // Greedy decides from the state alone: the replacement decides what the dead one would have.
    EXPECT_EQ(o.run.result.completed, clean.run.result.completed);
    EXPECT_EQ(o.run.result.spend, clean.run.result.spend);
    EXPECT_EQ(o.run.result.makespan_s, clean.run.result.makespan_s);
    EXPECT_EQ(o.run.result.attempts.size(), clean.run.result.attempts.size());
  }
}

TEST(FaultPoints, APlannerThatKeepsDyingEndsTheRunWithTheReasonNotAWait) {
  FaultScope scope;
  const Outcome o = run_with(FaultPoint::planner_crash, 2, 1000);  // every planner from the third decision on
  EXPECT_EQ(o.fired, kDefaultTunables.planner_restarts + 1);     // the first one and each replacement
  expect_settled(o);
  EXPECT_FALSE(o.run.result.completed);
  EXPECT_NE(o.run.detail.find("the planner died"), std::string::npos) << o.run.detail;
}

}  // namespace
}  // namespace concord::actors

// How a cluster run stops early: interrupted (the stop flag a signal handler sets) and a
// subtask that keeps failing (the attempts cap). Either way the run ends soon, with its
// reason, a report of what ran, and every reservation settled with the ledger.
#include <gtest/gtest.h>

#include <atomic>

#include "embedded_cluster.hpp"
#include "model/limits.hpp"
#include "model/workflow_json.hpp"
#include "plan/simple_policies.hpp"
#include "sim/nominal.hpp"
#include "support/proofflow_workflow.hpp"

namespace concord::actors {
namespace {

/// The embedded cluster on its virtual clock (deterministic; no test here waits on real time).
ClusterOptions virtual_cluster() {
  ClusterOptions co;
  co.virtual_time = true;
  return co;
}

std::shared_ptr<const FlatWorkflow> proofflow0() { return testing::proofflow_workflow(0); }

/// The hostile probe's workflow: model m's only sample fails at once, producing nothing (model
/// n could complete the subtask: files where no model can are refused when read).
std::shared_ptr<const FlatWorkflow> zero_latency_failure() {
  const Workflow wf = parse_workflow_json(R"({
    "format": "concord.workflow/1", "name": "zero",
    "models": [{"id": "m", "usd_per_mtok_out": 1.0}, {"id": "n", "usd_per_mtok_out": 1.0}],
    "subtasks": [{"id": "a", "deps": [],
                  "profiles": {"m": {"samples": [{"latency_s": 0, "success": false, "output_tokens": 0}]},
                               "n": {"samples": [{"latency_s": 5, "success": true, "output_tokens": 10}]}}}]})",
                                          "zero.json");
  return std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(wf));
}

void expect_settled(const ClusterRun& run, Money budget) {
  EXPECT_LE(run.result.spend, budget);
  ASSERT_EQ(run.ledger.size(), 3u);
  EXPECT_EQ(run.ledger[1], run.result.spend);  // the ledger's committed total is what the report says
  EXPECT_EQ(run.ledger[2], 0);                 // no reservation left behind
}

TEST(ClusterStop, AStopRequestCancelsWhatRunsAndReportsWhatRan) {
  const auto wf = proofflow0();
  EmbeddedCluster cluster(wf, virtual_cluster());
  EpisodeConfig cfg;
  cfg.budget = nominal_budget(*wf);
  cfg.deadline_s = nominal_deadline_s(*wf);
  std::atomic<bool> stop{false};
  cfg.stop = &stop;
  double stopped_at = -1;
  // The signal arrives as the first batch ends, while the others run.
  const auto run = cluster.run(std::make_shared<GreedyPolicy>(), cfg, [&](const AttemptTrace& a, int, int) {
    if (stopped_at < 0) stopped_at = a.end_s, stop = true;
  });
  EXPECT_EQ(run.result.reason, EndReason::interrupted) << to_string(run.result.reason) << " " << run.detail;
  EXPECT_FALSE(run.result.completed);
  EXPECT_EQ(run.result.makespan_s, stopped_at);  // stopped at that instant, not at the deadline
  ASSERT_GE(run.result.attempts.size(), 2u);      // what ran is in the report
  int cancelled = 0;
  for (const auto& a : run.result.attempts) {
    EXPECT_LE(a.end_s, stopped_at);
    cancelled += a.cancelled;
  }
  EXPECT_GT(cancelled, 0);  // in-flight samples were cancelled, charged pro-rata
  expect_settled(run, cfg.budget);
}

TEST(ClusterStop, AStopBeforeTheStartRunsNothing) {
  const auto wf = proofflow0();
  EmbeddedCluster cluster(wf, virtual_cluster());
  EpisodeConfig cfg;
  cfg.budget = nominal_budget(*wf);
  cfg.deadline_s = nominal_deadline_s(*wf);
  std::atomic<bool> stop{true};
  cfg.stop = &stop;
  const auto run = cluster.run(std::make_shared<GreedyPolicy>(), cfg);
  EXPECT_EQ(run.result.reason, EndReason::interrupted) << to_string(run.result.reason) << " " << run.detail;
  EXPECT_EQ(run.result.spend, 0);
  expect_settled(run, cfg.budget);
}

TEST(ClusterStop, ASubtaskThatKeepsFailingEndsTheRunAtTheAttemptsCap) {
  // The hostile probe: a sample of latency 0 that fails with 0 tokens. Every batch costs
  // nothing and takes no time, so neither budget nor deadline would ever end the run.
  const auto wf = zero_latency_failure();
  ClusterOptions co = virtual_cluster();
  co.nodes = 1;
  co.workers_per_model = 1;
  EmbeddedCluster cluster(wf, co);
  EpisodeConfig cfg;
  cfg.budget = money_from_dollars(1.0);
  cfg.deadline_s = 1000;
  const auto run = cluster.run(std::make_shared<FixedPolicy>(0, 1, "m"), cfg);
  EXPECT_EQ(run.result.reason, EndReason::attempts_exhausted) << to_string(run.result.reason) << " " << run.detail;
  EXPECT_FALSE(run.result.completed);
  EXPECT_EQ(static_cast<int>(run.result.attempts.size()), limits::kMaxAttemptsPerSubtask);  // every batch reported
  EXPECT_EQ(run.result.attempts.back().attempt, limits::kMaxAttemptsPerSubtask);
  EXPECT_NE(run.detail.find("subtask a failed 1000 batches"), std::string::npos) << run.detail;
  EXPECT_EQ(run.result.makespan_s, 0.0);  // every batch took no time
  expect_settled(run, cfg.budget);
}

}  // namespace
}  // namespace concord::actors

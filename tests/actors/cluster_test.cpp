// The embedded cluster end to end on its virtual clock (deterministic, no real time): load
// spreading, a failing planner, a model left without workers, the deadline. That the cluster
// equals the simulator is cluster_equivalence_test.cpp; real-time runs are in
// tests/integration/real_time_cluster_test.cpp.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "embedded_cluster.hpp"
#include "model/validate.hpp"
#include "plan/simple_policies.hpp"
#include "sim/nominal.hpp"
#include "support/proofflow_workflow.hpp"

namespace concord::actors {
namespace {

std::shared_ptr<const FlatWorkflow> proofflow(int index) { return testing::proofflow_workflow(index); }

ClusterOptions virtual_cluster() {
  ClusterOptions co;
  co.virtual_time = true;
  return co;
}

TEST(EmbeddedCluster, EveryLiveWorkerReceivesSamplesUnderLoad) {
  // 3 nodes x 6 workers of one model, 24 independent subtasks at k = 3: 72 samples at once
  // for 18 workers. Screening offers the least-loaded workers first, so every worker works
  // (with ties broken by id, 4 of the 18 took every sample).
  Workflow wf;
  ModelSpec m;
  m.id = "m";
  m.usd_per_mtok_out = 1;
  wf.models = {m};
  for (int i = 0; i < 24; ++i) {
    Subtask t;
    t.id = "t" + std::to_string(i);
    t.profiles["m"].samples = {{1.0, true, 10}, {2.0, true, 10}};
    wf.subtasks.push_back(t);
  }
  validate_workflow(wf, "test");
  const auto flat = std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(wf));
  ClusterOptions co = virtual_cluster();
  co.nodes = 3;
  co.workers_per_model = 6;
  EmbeddedCluster cluster(flat, co);
  ASSERT_EQ(cluster.worker_names().size(), 18u);
  EpisodeConfig cfg;
  cfg.budget = money_from_dollars(1);
  cfg.deadline_s = 1000;
  cfg.seed = 5;
  const ClusterRun run = cluster.run(std::make_shared<FixedPolicy>(0, 3, "m"), cfg);
  ASSERT_TRUE(run.result.completed) << run.detail;
  int samples = 0;
  for (const auto& name : cluster.worker_names()) {
    const auto it = run.samples_per_worker.find(name);
    EXPECT_TRUE(it != run.samples_per_worker.end() && it->second > 0) << name << " received no sample";
    if (it != run.samples_per_worker.end()) samples += it->second;
  }
  EXPECT_EQ(samples, 72);
}

/// Twice the nominal budget, four times the nominal deadline: room for retries and healing.
EpisodeConfig roomy(const FlatWorkflow& wf) {
  EpisodeConfig cfg;
  cfg.budget = 2 * nominal_budget(wf);
  cfg.deadline_s = 4 * nominal_deadline_s(wf);
  return cfg;
}

/// Plans one sample of model 0 for every ready subtask at its first decision, then throws.
class ThrowsOnSecondDecision final : public Policy {
 public:
  std::string name() const override { return "throws"; }
  void decide(const SimState& st, Rng&, std::vector<Assignment>& out) override {
    if (decisions_++ > 0) throw std::runtime_error("profile table corrupt (test)");
    for (int s : st.dispatchable) out.push_back({s, 0, 2});
  }

 private:
  int decisions_ = 0;
};

TEST(EmbeddedCluster, APlannerThatThrowsEndsTheRunWithItsMessageAndSettlesWhatRan) {
  const auto wf = proofflow(0);
  EmbeddedCluster cluster(wf, virtual_cluster());
  const EpisodeConfig cfg = roomy(*wf);
  const ClusterRun run = cluster.run(std::make_shared<ThrowsOnSecondDecision>(), cfg);
  EXPECT_FALSE(run.result.completed);
  EXPECT_EQ(run.result.reason, EndReason::stalled);
  EXPECT_NE(run.detail.find("planner failed: profile table corrupt (test)"), std::string::npos) << run.detail;
  ASSERT_EQ(run.ledger.size(), 3u);
  EXPECT_EQ(run.ledger[1], run.result.spend);
  EXPECT_EQ(run.ledger[2], 0);  // nothing left reserved
}

TEST(EmbeddedCluster, EndsWithAStatedReasonWhenNoWorkerIsLeftForTheModel) {
  const auto wf = proofflow(0);
  ClusterOptions co = virtual_cluster();
  co.nodes = 1;
  co.workers_per_model = 1;
  EmbeddedCluster cluster(wf, co);
  EpisodeConfig cfg;
  cfg.budget = nominal_budget(*wf);
  cfg.deadline_s = 4 * nominal_deadline_s(*wf);
  auto policy = std::make_shared<FixedPolicy>(2, 1, wf->model_id(2));
  bool killed = false;
  const auto run = cluster.run(policy, cfg, [&](const AttemptTrace&, int, int) {
    if (!killed) cluster.kill_worker("node-0/" + wf->model_id(2) + "#0"), killed = true;
  });
  EXPECT_FALSE(run.result.completed);
  EXPECT_EQ(run.result.reason, EndReason::no_worker_left) << to_string(run.result.reason) << " " << run.detail;
  EXPECT_EQ(run.ledger[2], 0);
}

TEST(EmbeddedCluster, DeadlineExpiryCancelsAndReleasesEverything) {
  const auto wf = proofflow(0);
  EmbeddedCluster cluster(wf, virtual_cluster());
  EpisodeConfig cfg;
  cfg.budget = nominal_budget(*wf);
  cfg.deadline_s = 3.0;  // far too short for most samples
  const auto run = cluster.run(std::make_shared<GreedyPolicy>(), cfg);
  EXPECT_EQ(run.result.reason, EndReason::deadline_exhausted);
  EXPECT_EQ(run.result.makespan_s, 3.0);  // it ends at the deadline exactly
  int cut = 0;
  for (const auto& a : run.result.attempts) {
    EXPECT_LE(a.end_s, 3.0);
    if (a.end_s == 3.0 && a.cancelled > 0) ++cut;  // what still ran was cut there
  }
  EXPECT_GT(cut, 0);
  ASSERT_EQ(run.ledger.size(), 3u);
  EXPECT_EQ(run.ledger[2], 0);                 // every reservation released
  EXPECT_EQ(run.ledger[1], run.result.spend);  // cancelled samples charged pro-rata, once
}

}  // namespace
}  // namespace concord::actors

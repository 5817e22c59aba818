// Several workflows at once on the embedded cluster's virtual clock, their ledgers drawing from one
// tenant ledger actor (EmbeddedCluster::run_tenant_group, the tenant runs of `concord chaos`):
// the tenant never commits beyond its budget, nothing stays reserved anywhere, and what it
// committed is exactly what its workflows' own ledgers committed. A tenant that cannot bind
// changes nothing: one workflow under an ample tenant runs exactly as it runs alone.
#include <gtest/gtest.h>

#include <numeric>

#include "chaos/safeguards.hpp"
#include "embedded_cluster.hpp"
#include "plan/simple_policies.hpp"
#include "sim/nominal.hpp"
#include "support/proofflow_workflow.hpp"

namespace concord::actors {
namespace {

struct SafeguardScope {
  ~SafeguardScope() { chaos::restore_safeguards(); }
};

ClusterOptions virtual_cluster(double deadline_s) {
  ClusterOptions co;
  co.virtual_time = true;
  co.threads = 1;
  co.virtual_limit_s = 3 * deadline_s + 200;
  return co;
}

/// Three greedy workflows of ProofFlow workflow `index`, budgets {1, 0.8, 0.6} x nominal.
std::vector<GroupMember> three(const FlatWorkflow& wf) {
  std::vector<GroupMember> members;
  for (int i = 0; i < 3; ++i) {
    EpisodeConfig c;
    c.budget = static_cast<Money>(static_cast<double>(nominal_budget(wf)) * (1.0 - 0.2 * i));
    c.deadline_s = nominal_deadline_s(wf);
    c.seed = 7 + static_cast<std::uint64_t>(i);
    members.push_back({std::make_shared<GreedyPolicy>(), c});
  }
  return members;
}

Money committed_by_workflows(const TenantGroupRun& g) {
  Money sum = 0;
  for (const ClusterRun& r : g.runs) {
    EXPECT_EQ(r.ledger.size(), 3u);
    if (r.ledger.size() == 3) sum += r.ledger[1];
  }
  return sum;
}

TEST(TenantGroup, TheTenantNeverCommitsPastItsBudgetAndEqualsItsWorkflowsLedgers) {
  for (int index : {0, 3, 7}) {
    const auto wf = testing::proofflow_workflow(index);
    const auto members = three(*wf);
    const Money own = std::accumulate(members.begin(), members.end(), Money{0}, [](Money s, const GroupMember& m) { return s + m.config.budget; });
    for (double ratio : {0.04, 0.07, 0.1}) {  // tight tenants (greedy spends ~0.1 of a nominal budget): each binds
      SCOPED_TRACE("workflow " + std::to_string(index) + ", tenant " + std::to_string(ratio) + " x their budgets");
      const Money tenant_budget = static_cast<Money>(static_cast<double>(own) * ratio);
      EmbeddedCluster cluster(wf, virtual_cluster(nominal_deadline_s(*wf)));
      const TenantGroupRun g = cluster.run_tenant_group(members, tenant_budget);
      ASSERT_EQ(g.runs.size(), 3u);
      ASSERT_EQ(g.tenant.size(), 4u);
      EXPECT_EQ(g.tenant[0], tenant_budget);
      EXPECT_LE(g.tenant[1] + g.tenant[2], tenant_budget);  // committed + reserved <= budget
      EXPECT_EQ(g.tenant[2], 0);                             // nothing left reserved at the tenant
      EXPECT_EQ(g.tenant[3], 0);                             // no spend the tenant heard of too late
      EXPECT_EQ(g.tenant[1], committed_by_workflows(g));     // conservation
      int refused = 0;
      for (std::size_t i = 0; i < g.runs.size(); ++i) {
        const ClusterRun& r = g.runs[i];
        EXPECT_TRUE(r.ended) << r.detail;
        EXPECT_LE(r.result.spend, members[i].config.budget);
        EXPECT_EQ(r.ledger[1], r.result.spend);
        EXPECT_EQ(r.ledger[2], 0);
        refused += r.result.reason == EndReason::budget_exhausted ? 1 : 0;
      }
      EXPECT_GE(refused, 1) << "the tenant never bound: the test would prove nothing; tenant committed " << g.tenant[1] << " of " << tenant_budget
                            << "; ends " << to_string(g.runs[0].result.reason) << " " << to_string(g.runs[1].result.reason) << " "
                            << to_string(g.runs[2].result.reason) << " spend " << g.runs[0].result.spend << " " << g.runs[1].result.spend
                            << " " << g.runs[2].result.spend << " done " << g.runs[0].result.subtasks_done;
    }
  }
}

// The mutation check's safeguard at this level: a tenant that grants past its budget is seen.
TEST(TenantGroup, WithoutTheTenantsCheckItsWorkflowsSpendPastItsBudget) {
  SafeguardScope scope;
  const auto wf = testing::proofflow_workflow(0);
  const auto members = three(*wf);
  const Money tenant_budget = static_cast<Money>(static_cast<double>(members[0].config.budget) * 0.1);
  chaos::disable_safeguard(chaos::Safeguard::tenant_check);
  EmbeddedCluster cluster(wf, virtual_cluster(nominal_deadline_s(*wf)));
  const TenantGroupRun g = cluster.run_tenant_group(members, tenant_budget);
  ASSERT_EQ(g.tenant.size(), 4u);
  EXPECT_GT(g.tenant[1], tenant_budget);
  EXPECT_EQ(g.tenant[1], committed_by_workflows(g));
}

TEST(TenantGroup, OneWorkflowUnderAnAmpleTenantRunsExactlyAsAlone) {
  for (int index : {0, 5}) {
    const auto wf = testing::proofflow_workflow(index);
    EpisodeConfig c;
    c.budget = nominal_budget(*wf);
    c.deadline_s = nominal_deadline_s(*wf);
    c.seed = 11;
    ClusterRun alone;
    {
      EmbeddedCluster cluster(wf, virtual_cluster(c.deadline_s));
      alone = cluster.run(std::make_shared<GreedyPolicy>(), c);
    }
    EmbeddedCluster cluster(wf, virtual_cluster(c.deadline_s));
    const TenantGroupRun g = cluster.run_tenant_group({GroupMember{std::make_shared<GreedyPolicy>(), c}}, 10 * c.budget);
    ASSERT_EQ(g.runs.size(), 1u);
    const ClusterRun& drawn = g.runs[0];
    EXPECT_EQ(drawn.result.reason, alone.result.reason);
    EXPECT_EQ(drawn.result.spend, alone.result.spend);
    EXPECT_EQ(drawn.result.makespan_s, alone.result.makespan_s);
    ASSERT_EQ(drawn.result.attempts.size(), alone.result.attempts.size());
    for (std::size_t i = 0; i < alone.result.attempts.size(); ++i) {
      EXPECT_EQ(drawn.result.attempts[i].subtask, alone.result.attempts[i].subtask);
      EXPECT_EQ(drawn.result.attempts[i].cost, alone.result.attempts[i].cost);
      EXPECT_EQ(drawn.result.attempts[i].end_s, alone.result.attempts[i].end_s);
    }
    EXPECT_EQ(g.tenant[1], alone.result.spend);
  }
}

TEST(TenantGroup, RefusedOnARealClock) {
  const auto wf = testing::proofflow_workflow(0);
  EmbeddedCluster cluster(wf, ClusterOptions{});
  EXPECT_THROW(cluster.run_tenant_group(three(*wf), 1), std::logic_error);
}

}  // namespace
}  // namespace concord::actors

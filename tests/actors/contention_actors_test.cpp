// The contention policies on the actors (issue 13, actors/contention_cluster.hpp): the tenant's
// budget holds over random arrival schedules on the actor cluster, negotiation alone on an idle
// cluster plans exactly as fcfs, a run is determined by its seed, and without contention every
// workflow ends on the actors exactly as in the contention simulator.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "contention/arrivals.hpp"
#include "contention/contention_sim.hpp"
#include "contention_cluster.hpp"
#include "runtime/contention/contention_support.hpp"
#include "sim/rng.hpp"

namespace concord::actors {
namespace {

using contention::ContentionConfig;
using contention::ContentionPolicy;
using contention::RunResult;

using testing::proofflow8;
using testing::single_workflow_config;

ContentionConfig base_config() { return testing::contention_base_config(); }

// Property (the simulator's, on the actors): over random schedules with tight tenant budgets,
// for every tenant the money its workflows' ledgers committed <= its budget and equals what the
// tenant ledger actor committed, nothing is left reserved or uncovered, every workflow stays
// within its own budget (static split: within its share), and the tenants did refuse.
TEST(ContentionOnActors, TenantSpendNeverExceedsTenantBudget) {
  std::int64_t refusals = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const ContentionConfig c = testing::tight_random_schedule(0xAC7025, seed, 180, 0.15);
    const RunResult r = run_contention_on_actors(proofflow8(), c);
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " policy " << to_string(c.policy));
    ASSERT_EQ(r.tenants.size(), static_cast<std::size_t>(c.tenants));
    std::map<int, Money> spend;
    for (const auto& w : r.workflows) {
      spend[w.tenant] += w.spend;
      EXPECT_LE(w.spend, w.budget);
      if (c.policy == ContentionPolicy::static_split) {
        EXPECT_LE(w.spend, money_from_dollars(c.static_share_usd()));
      }
      refusals += w.tenant_refusals;
    }
    for (int t = 0; t < c.tenants; ++t) {
      const auto& o = r.tenants[static_cast<std::size_t>(t)];
      SCOPED_TRACE(::testing::Message() << "tenant " << t);
      EXPECT_EQ(o.budget, money_from_dollars(c.tenant_budget_usd));
      EXPECT_LE(spend[t], o.budget);
      EXPECT_EQ(spend[t], o.committed);
      EXPECT_EQ(o.peak_held, o.committed) << "money left reserved at the end";
      EXPECT_EQ(o.uncovered, 0);
    }
  }
  EXPECT_GT(refusals, 0) << "no tenant ever refused: the property was not exercised";
}

// Alone on a pool with slots to spare and an ample tenant: the prices stay 0 and nothing waits,
// so a negotiating workflow on the actors (which reads the posts: price_reads > 0) must launch
// exactly the batches fcfs launches, at the same instants, and spend and end the same.
TEST(ContentionOnActors, OneWorkflowWithoutContentionNegotiationPlansExactlyAsFcfs) {
  int compared = 0;
  for (std::uint64_t start = 1; start <= 1000; start += 100) {
    ContentionConfig c = single_workflow_config(start);
    c.planner.rollouts = 16;
    c.workers_per_model = 4;
    c.slots_per_worker = 64;
    c.tenant_budget_usd = 1000;
    c.policy = ContentionPolicy::fcfs;
    const RunResult fcfs = run_contention_on_actors(proofflow8(), c);
    c.policy = ContentionPolicy::negotiation;
    const RunResult nego = run_contention_on_actors(proofflow8(), c);
    SCOPED_TRACE(::testing::Message() << "seed " << c.seed);
    ASSERT_EQ(fcfs.workflows.size(), 1u);
    ASSERT_EQ(nego.workflows.size(), 1u);
    const auto& a = fcfs.workflows[0];
    const auto& b = nego.workflows[0];
    EXPECT_EQ(a.spend, b.spend);
    EXPECT_EQ(a.end_s, b.end_s);
    EXPECT_EQ(a.completed, b.completed);
    EXPECT_EQ(a.decisions, b.decisions);
    EXPECT_EQ(a.price_reads, 0);
    EXPECT_GT(b.price_reads, 0);
    compared += a.decisions;
  }
  EXPECT_GT(compared, 30);
}

// Under load the posted prices make negotiating planners wait (a decision that launches nothing
// because no action is worth what it uses at the posted prices): the prices reach the planners.
// Each price alone: scarce slots and ample money (only slot prices rise), then ample slots and
// scarce money (only the money price rises). fcfs on the same arrivals never waits so. A waiting
// workflow with nothing running asks again later, so none ends `stalled`.
TEST(ContentionOnActors, UnderLoadNegotiatingPlannersWaitAtThePostedPrices) {
  struct Case {
    const char* scarce;
    int slots;
    double tenant_usd;
  };
  for (const Case& k : {Case{"slots", 1, 1000.0}, Case{"money", 64, 0.3}}) {
    ContentionConfig c = base_config();
    c.arrival_rate_per_s = 0.15;
    c.window_s = 300;
    c.slots_per_worker = k.slots;
    c.tenant_budget_usd = k.tenant_usd;
    std::int64_t waits[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      c.policy = i == 0 ? ContentionPolicy::fcfs : ContentionPolicy::negotiation;
      SCOPED_TRACE(::testing::Message() << "scarce " << k.scarce << ", " << to_string(c.policy));
      for (const auto& w : run_contention_on_actors(proofflow8(), c).workflows) {
        waits[i] += w.priced_waits;
        EXPECT_NE(w.reason, EndReason::stalled);
      }
    }
    SCOPED_TRACE(::testing::Message() << "scarce " << k.scarce);
    EXPECT_EQ(waits[0], 0);
    EXPECT_GT(waits[1], 10);
  }
}

// Same configuration, same run: every workflow's end, spend, decisions and reads.
TEST(ContentionOnActors, SameSeedSameRun) {
  ContentionConfig c = base_config();
  c.arrival_rate_per_s = 0.1;
  c.window_s = 200;
  c.slots_per_worker = 2;
  c.tenant_budget_usd = 0.05;
  c.policy = ContentionPolicy::negotiation;
  const RunResult a = run_contention_on_actors(proofflow8(), c);
  const RunResult b = run_contention_on_actors(proofflow8(), c);
  ASSERT_EQ(a.workflows.size(), b.workflows.size());
  ASSERT_GT(a.workflows.size(), 10u);
  for (std::size_t i = 0; i < a.workflows.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "workflow " << i);
    EXPECT_EQ(a.workflows[i].end_s, b.workflows[i].end_s);
    EXPECT_EQ(a.workflows[i].spend, b.workflows[i].spend);
    EXPECT_EQ(a.workflows[i].decisions, b.workflows[i].decisions);
    EXPECT_EQ(a.workflows[i].price_reads, b.workflows[i].price_reads);
    EXPECT_EQ(a.workflows[i].reason, b.workflows[i].reason);
  }
  EXPECT_EQ(a.tenants[0].committed, b.tenants[0].committed);
}

// Without contention (slots to spare, an ample tenant) the actors carry out the simulator's
// runs: every workflow of a many-workflow schedule ends as in contention::run_contention
// (same arrivals, same sample draws, same plans), to the simulated second and, but for a token's
// rounding in at most two of them, to the picodollar.
TEST(ContentionOnActors, WithoutContentionEveryWorkflowEndsAsInTheSimulator) {
  ContentionConfig c = base_config();
  c.arrival_rate_per_s = 0.1;
  c.window_s = 200;
  c.workers_per_model = 4;
  c.slots_per_worker = 64;
  c.tenant_budget_usd = 1000;
  for (ContentionPolicy p : {ContentionPolicy::fcfs, ContentionPolicy::negotiation}) {
    c.policy = p;
    const RunResult sim = contention::run_contention(proofflow8(), c);
    const RunResult act = run_contention_on_actors(proofflow8(), c);
    SCOPED_TRACE(::testing::Message() << "policy " << to_string(p));
    ASSERT_EQ(sim.workflows.size(), act.workflows.size());
    ASSERT_GT(sim.workflows.size(), 10u);
    int completed = 0, exact = 0;
    for (std::size_t i = 0; i < sim.workflows.size(); ++i) {
      SCOPED_TRACE(::testing::Message() << "workflow " << i);
      EXPECT_EQ(sim.workflows[i].completed, act.workflows[i].completed);
      EXPECT_EQ(sim.workflows[i].reason, act.workflows[i].reason);
      // A cancelled sample's pro-rata tokens come from absolute times in the simulator and from
      // times since the arrival on the actors: floating rounding may move one token (picodollars).
      EXPECT_NEAR(static_cast<double>(sim.workflows[i].spend), static_cast<double>(act.workflows[i].spend), 1e6);
      exact += sim.workflows[i].spend == act.workflows[i].spend ? 1 : 0;
      EXPECT_NEAR(sim.workflows[i].end_s, act.workflows[i].end_s, 1e-9);
      EXPECT_EQ(sim.workflows[i].decisions, act.workflows[i].decisions);
      completed += sim.workflows[i].completed ? 1 : 0;
    }
    EXPECT_GT(completed, 0);
    EXPECT_GE(exact, static_cast<int>(sim.workflows.size()) - 2);
    double last_end = 0;  // the simulator's end_s may be a later (idle) deadline event
    for (const auto& w : sim.workflows) last_end = std::max(last_end, w.end_s);
    EXPECT_NEAR(last_end, act.end_s, 1e-6);  // when the last workflow ended, on the run's clock
  }
}

}  // namespace
}  // namespace concord::actors

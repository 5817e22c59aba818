// The contention simulator's must-show rules (issue 13): the tenant's budget is never exceeded
// over random arrival schedules, negotiation without contention plans exactly as fcfs, prices
// converge on a stationary load, and a run is determined by its seed.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "contention/arrivals.hpp"
#include "contention/contention_bench.hpp"
#include "contention/contention_sim.hpp"
#include "contention_support.hpp"
#include "sim/rng.hpp"

namespace concord::contention {
namespace {

using testing::proofflow8;
using testing::single_workflow_config;

ContentionConfig base_config() { return testing::contention_base_config(); }

/// Money per tenant as the workflows' own ledgers committed it (independent of the tenant ledger).
std::map<int, Money> spend_by_tenant(const RunResult& r) {
  std::map<int, Money> out;
  for (const auto& w : r.workflows) out[w.tenant] += w.spend;
  return out;
}

// Property: over random arrival schedules (rates, tenants, budgets, pool sizes, policies), the
// money the workflows spent never exceeds their tenant's budget, the tenant never held more than
// its budget after any event, nothing went uncovered, and money is conserved (sum of the
// workflows' commits = the tenant's). Budgets are tight so that tenants refuse often.
TEST(ContentionProperty, TenantSpendNeverExceedsTenantBudget) {
  std::int64_t refusals = 0;
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    const ContentionConfig c = testing::tight_random_schedule(0xC0FFEE, seed, 240, 0.2);
    const RunResult r = run_contention(proofflow8(), c);
    const auto spend = spend_by_tenant(r);
    for (int t = 0; t < c.tenants; ++t) {
      const TenantOutcome& o = r.tenants[static_cast<std::size_t>(t)];
      const Money workflows = spend.count(t) ? spend.at(t) : 0;
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " policy " << to_string(c.policy) << " tenant " << t);
      EXPECT_LE(workflows, o.budget);
      EXPECT_LE(o.peak_held, o.budget);
      EXPECT_EQ(o.uncovered, 0);
      EXPECT_EQ(workflows, o.committed);
    }
    for (const auto& w : r.workflows) {
      EXPECT_LE(w.spend, w.budget);
      if (c.policy == ContentionPolicy::static_split) EXPECT_LE(w.spend, money_from_dollars(c.static_share_usd()));
      refusals += w.tenant_refusals;
    }
  }
  EXPECT_GT(refusals, 0) << "the schedules never made a tenant refuse: the property was not exercised";
}

// Alone, with slots to spare and an ample tenant budget, the prices stay 0 (demand below pace)
// and no sample ever waits: negotiation must dispatch exactly what fcfs dispatches.
TEST(ContentionNegotiation, OneWorkflowWithoutContentionPlansExactlyAsFcfs) {
  int compared = 0;
  for (std::uint64_t start = 1; start <= 3000; start += 100) {
    ContentionConfig c = single_workflow_config(start);
    c.planner.rollouts = 16;
    c.workers_per_model = 4;
    c.slots_per_worker = 64;  // 256 slots per model: never a queue
    c.tenant_budget_usd = 1000;
    c.policy = ContentionPolicy::fcfs;
    const RunResult fcfs = run_contention(proofflow8(), c);
    c.policy = ContentionPolicy::negotiation;
    const RunResult nego = run_contention(proofflow8(), c);
    SCOPED_TRACE(::testing::Message() << "seed " << c.seed);
    ASSERT_EQ(fcfs.workflows.size(), 1u);
    EXPECT_EQ(fcfs.launches, nego.launches);
    EXPECT_EQ(fcfs.workflows[0].spend, nego.workflows[0].spend);
    EXPECT_EQ(fcfs.workflows[0].end_s, nego.workflows[0].end_s);
    EXPECT_EQ(fcfs.workflows[0].completed, nego.workflows[0].completed);
    for (const auto& series : nego.prices.money)
      for (double p : series) EXPECT_EQ(p, 0.0);
    for (const auto& series : nego.prices.slots)
      for (double p : series) EXPECT_EQ(p, 0.0);
    compared += static_cast<int>(fcfs.launches.size());
  }
  EXPECT_GT(compared, 100);
}

double mean(const std::vector<double>& v, std::size_t from, std::size_t to) {
  double s = 0;
  for (std::size_t i = from; i < to; ++i) s += v[i];
  return s / static_cast<double>(to - from);
}

// Stationary overload (constant arrival rate, a long window): the owners' prices settle.
// Checks, for the money price and every slot price that rose:
//  1. demand is brought to pace: over the second half (T ticks), sum (b_t - rho) equals
//     (mu_end - mu_mid) / eta plus what the projection on [0, max] cut; so while the price is
//     never capped, avg b / rho <= 1 + max price seen / (eta rho T). fcfs on the same arrivals
//     (price 0) demands far more money than that (checked, so the bound is not vacuous);
//  2. the price does not drift: the averages over the third and the fourth quarter of the run
//     differ by at most eta G sqrt(Q) (Q ticks per quarter, G = max |rho - b_t|): a random-walk
//     scale of the bounded step, far below the eta G Q a persistent drift would show.
TEST(ContentionNegotiation, PricesConvergeOnAStationaryLoad) {
  ContentionConfig c = base_config();
  c.seed = 7;
  c.window_s = 3000;
  c.arrival_rate_per_s = 0.04;
  c.tenants = 1;
  c.tenant_budget_usd = 1.5;  // about a fifth of what the ~120 workflows' own budgets add up to
  c.workers_per_model = 1;
  c.slots_per_worker = 4;
  c.policy = ContentionPolicy::negotiation;
  const RunResult r = run_contention(proofflow8(), c);
  const PriceScales scales = price_scales(proofflow8(), c);
  // Only ticks inside the arrival window are stationary (afterwards the load drains).
  std::size_t ticks = 0;
  while (ticks < r.prices.time_s.size() && r.prices.time_s[ticks] <= c.window_s) ++ticks;
  ASSERT_GT(ticks, 400u);
  const std::size_t half = ticks / 2, q3 = ticks / 2, q4 = 3 * ticks / 4;

  const double money_pace = c.tenant_budget_usd * c.tick_s / c.window_s;
  const double eta = c.price_step / (money_pace * scales.money_usd);
  const auto& mu = r.prices.money[0];
  const auto& demand = r.prices.money_demand[0];  // in units of pace
  double mu_max = 0, g_max = 0;
  for (std::size_t t = half; t < ticks; ++t) {
    mu_max = std::max(mu_max, mu[t]);
    g_max = std::max(g_max, std::abs(1.0 - demand[t]) * money_pace);
  }
  ASSERT_GT(mu_max, 0.0) << "the money price never rose: the load is not an overload";
  ASSERT_LT(mu_max, c.max_price_x / scales.money_usd) << "the price hit its cap";
  const double avg_demand = mean(demand, half, ticks);
  const double bound = 1.0 + mu_max / (eta * money_pace * static_cast<double>(ticks - half));
  EXPECT_LE(avg_demand, bound);

  ContentionConfig f = c;
  f.policy = ContentionPolicy::fcfs;
  f.tenant_budget_usd = 100;  // unconstrained demand at price 0, measured against the same pace
  const RunResult unpriced = run_contention(proofflow8(), f);
  Money spent_half = 0;
  for (const auto& w : unpriced.workflows)
    if (w.arrival_s >= c.window_s / 2 && w.arrival_s < c.window_s) spent_half += w.spend;
  const double unpriced_demand = static_cast<double>(spent_half) / kPicoPerDollar / (money_pace * (c.window_s / 2 / c.tick_s));
  EXPECT_GT(unpriced_demand, bound) << "without a price the demand is within the bound anyway: the check is vacuous";

  const double q = static_cast<double>(q4 - q3);
  const double drift_tol = eta * g_max * std::sqrt(q);
  EXPECT_LE(std::abs(mean(mu, q3, q4) - mean(mu, q4, ticks)), drift_tol)
      << "money price: third quarter " << mean(mu, q3, q4) << ", fourth " << mean(mu, q4, ticks);
  for (std::size_t m = 0; m < r.prices.slots.size(); ++m) {
    const auto& p = r.prices.slots[m];
    const auto& d = r.prices.slot_demand[m];
    double pmax = 0, gm = 0;
    const double pace = c.workers_per_model * c.slots_per_worker * c.tick_s * c.slot_target;
    for (std::size_t t = half; t < ticks; ++t) pmax = std::max(pmax, p[t]), gm = std::max(gm, std::abs(1.0 - d[t]) * pace);
    if (pmax == 0) continue;
    const double eta_s = c.price_step / (pace * scales.slot_s);
    EXPECT_LE(mean(d, half, ticks), 1.0 + pmax / (eta_s * pace * static_cast<double>(ticks - half))) << "model " << m;
    EXPECT_LE(std::abs(mean(p, q3, q4) - mean(p, q4, ticks)), eta_s * gm * std::sqrt(q)) << "model " << m;
  }
}

TEST(ContentionSim, SameSeedSameFiguresOtherSeedOthers) {
  ContentionConfig c = base_config();
  c.arrival_rate_per_s = 0.1;
  c.tenant_budget_usd = 0.05;
  c.slots_per_worker = 2;
  for (ContentionPolicy p : all_policies()) {
    c.policy = p;
    c.seed = 3;
    const RunResult a = run_contention(proofflow8(), c);
    const RunResult b = run_contention(proofflow8(), c);
    EXPECT_EQ(a.fingerprint(), b.fingerprint()) << to_string(p);
    EXPECT_EQ(a.launches, b.launches) << to_string(p);
    c.seed = 4;
    EXPECT_NE(run_contention(proofflow8(), c).fingerprint(), a.fingerprint()) << to_string(p);
  }
}

TEST(ContentionSweep, FiguresDoNotDependOnTheThreadCount) {
  SweepConfig sc;
  sc.base = base_config();
  sc.base.window_s = 200;
  sc.base.tenant_budget_usd = 0.05;
  sc.rates = {0.02, 0.1};
  sc.replicates = 2;
  sc.threads = 1;
  const SweepResult one = run_sweep(proofflow8(), sc);
  sc.threads = 2;
  const SweepResult two = run_sweep(proofflow8(), sc);
  ASSERT_EQ(one.cells.size(), two.cells.size());
  for (std::size_t i = 0; i < one.cells.size(); ++i) {
    EXPECT_EQ(one.cells[i].completion_by_replicate, two.cells[i].completion_by_replicate);
    EXPECT_EQ(one.cells[i].spend_ratio_max, two.cells[i].spend_ratio_max);
    EXPECT_EQ(one.cells[i].ledger_messages_per_workflow, two.cells[i].ledger_messages_per_workflow);
  }
  EXPECT_EQ(format_csv(one).substr(0, 40), format_csv(two).substr(0, 40));
}

TEST(ContentionSim, CodeFlowRunsUnderEveryPolicy) {
  const ContentionWorkload w = testing::contention_workload(8, true);
  ContentionConfig c = base_config();
  c.budget_ratios = {0.02, 0.04, 0.1};
  c.deadline_ratios = {0.2, 0.3, 0.4};
  c.arrival_rate_per_s = 0.1;
  c.tenant_budget_usd = 0.05;
  for (ContentionPolicy p : all_policies()) {
    c.policy = p;
    const RunResult r = run_contention(w, c);
    EXPECT_FALSE(r.workflows.empty());
    for (const auto& t : r.tenants) EXPECT_LE(t.peak_held, t.budget);
  }
}

TEST(ContentionConfig, ValidateNamesTheField) {
  ContentionConfig c;
  c.arrival_rate_per_s = 0;
  EXPECT_EQ(c.validate().rfind("arrival_rate_per_s:", 0), 0u);
  c = ContentionConfig{};
  c.slots_per_worker = 0;
  EXPECT_EQ(c.validate().rfind("slots_per_worker:", 0), 0u);
  EXPECT_THROW(run_contention(proofflow8(), c), std::invalid_argument);
}

}  // namespace
}  // namespace concord::contention

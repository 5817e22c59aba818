// The asynchronous bridge between a workflow Ledger and a TenantLedger (ledger/tenant_relay.hpp),
// as the drawn ledger actor uses it: local check, tenant ask, local reserve; commits and releases
// as notices. One rule per test, then random interleavings of asks, lost answers, duplicated
// notices and many workflows against one tenant.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <random>

#include "ledger/ledger.hpp"
#include "ledger/tenant_ledger.hpp"
#include "ledger/tenant_relay.hpp"

namespace concord::ledger {
namespace {

TenantConfig terms(Money budget, double lease_s = 10) {
  TenantConfig c;
  c.budget_per_period = budget;
  c.lease_s = lease_s;
  return c;
}

using Ids = std::vector<ReservationId>;

TEST(TenantRelay, PlanAsksOnlyForNewIdsWithinTheWorkflowsOwnMoney) {
  TenantRelay relay;
  Ledger l(100, &relay);
  EXPECT_FALSE(plan_tenant_reserve(l, relay, Ids{}, 10).ask);
  EXPECT_FALSE(plan_tenant_reserve(l, relay, Ids{1}, -1).ask);
  EXPECT_FALSE(plan_tenant_reserve(l, relay, Ids{1, 2}, 60).ask) << "120 > the workflow's 100: no tenant message";
  const auto p = plan_tenant_reserve(l, relay, Ids{1, 2, 1}, 30);
  EXPECT_TRUE(p.ask);
  EXPECT_EQ(p.fresh, (Ids{1, 2})) << "duplicates asked once";
  relay.grant(p.fresh, 30);
  EXPECT_TRUE(l.reserve_all(Ids{1, 2}, 30).ok());
  relay.clear_grants();
  EXPECT_FALSE(plan_tenant_reserve(l, relay, Ids{1, 2}, 30).ask) << "repeats are the workflow ledger's to answer";
  EXPECT_EQ(plan_tenant_reserve(l, relay, Ids{1, 3}, 30).fresh, (Ids{3}));
}

TEST(TenantRelay, AnIdGoesToTheTenantAtMostOnce) {
  TenantRelay relay;
  Ledger l(100, &relay);
  ASSERT_TRUE(plan_tenant_reserve(l, relay, Ids{1, 2}, 10).ask);  // its answer is still out
  EXPECT_FALSE(plan_tenant_reserve(l, relay, Ids{2}, 10).ask) << "asked already";
  EXPECT_EQ(l.reserve_all(Ids{2}, 10).deny_reason, DenyReason::source_refused) << "so the workflow ledger refuses it";
  // The first ask's answer: granted, but 2 is denied here now: it goes back to the tenant.
  relay.grant(Ids{1, 2}, 10);
  EXPECT_FALSE(l.reserve_all(Ids{1, 2}, 10).ok());
  relay.clear_grants();
  relay.release_unheld(l, Ids{1, 2});
  EXPECT_EQ(relay.take(), (std::vector<TenantNotice>{{TenantNotice::Kind::release, 1, 0}, {TenantNotice::Kind::release, 2, 0}}));
  EXPECT_FALSE(plan_tenant_reserve(l, relay, Ids{1}, 10).ask) << "released at the tenant: never asked again";
  EXPECT_EQ(l.reserved(), 0);
}

TEST(TenantRelay, SaysYesToExactlyWhatTheTenantGranted) {
  TenantRelay relay;
  Ledger l(100, &relay);
  EXPECT_EQ(l.reserve(1, 10).deny_reason(), DenyReason::source_refused) << "nothing granted: no";
  relay.grant(Ids{2}, 10);
  EXPECT_EQ(l.reserve(2, 11).deny_reason(), DenyReason::source_refused) << "another amount: no";
  relay.grant(Ids{3}, 10);
  EXPECT_TRUE(l.reserve(3, 10).ok());
  EXPECT_EQ(l.reserved(), 10);
}

TEST(TenantRelay, CommitsReleasesAndUnheldGrantsBecomeNoticesInOrder) {
  TenantRelay relay;
  Ledger l(100, &relay);
  relay.grant(Ids{1, 2, 3}, 10);
  ASSERT_TRUE(l.reserve_all(Ids{1, 2}, 10).ok());
  relay.clear_grants();
  relay.release_unheld(l, Ids{1, 2, 3});  // 3 was granted by the tenant but never taken here
  ASSERT_TRUE(l.commit(1, 4).ok());
  ASSERT_TRUE(l.release(2).ok());
  EXPECT_EQ(relay.take(), (std::vector<TenantNotice>{{TenantNotice::Kind::release, 3, 0},
                                                     {TenantNotice::Kind::commit, 1, 4},
                                                     {TenantNotice::Kind::release, 2, 0}}));
  EXPECT_TRUE(relay.idle());
}

TEST(TenantReserveAll, AllOrNoneAgainstTheTenantsBudgetAndLease) {
  TenantLedger t(terms(100));
  EXPECT_EQ(tenant_reserve_all(t, 1, Ids{1}, 10, 0).holding.deny_reason, TenantDenyReason::no_lease);
  EXPECT_FALSE(t.find(1, 1)) << "an up-front denial records nothing";
  t.renew(1, 1, 0);
  const auto over = tenant_reserve_all(t, 1, Ids{1, 2, 3}, 40, 0);
  EXPECT_EQ(over.code, TenantCode::denied);
  EXPECT_EQ(over.holding.deny_reason, TenantDenyReason::over_budget);
  EXPECT_EQ(t.reserved(), 0);
  const auto ok = tenant_reserve_all(t, 1, Ids{1, 2}, 40, 0);
  EXPECT_EQ(ok.code, TenantCode::granted);
  EXPECT_FALSE(ok.repeated);
  EXPECT_TRUE(tenant_reserve_all(t, 1, Ids{1, 2}, 40, 0).repeated) << "a retried ask holds the money once";
  EXPECT_EQ(t.reserved(), 80);
  // A conflict on one key refuses the batch and gives back what this call granted.
  const auto conflict = tenant_reserve_all(t, 1, Ids{3, 1}, 10, 0);
  EXPECT_EQ(conflict.code, TenantCode::conflict);
  EXPECT_EQ(t.reserved(), 80);
  // A repeat of holdings whose lease expired holds nothing: a no.
  t.advance(11);
  EXPECT_EQ(t.reserved(), 0);
  t.renew(1, 2, 11);
  EXPECT_EQ(tenant_reserve_all(t, 1, Ids{1, 2}, 40, 11).code, TenantCode::denied);
}

/// Many workflow ledgers drawing from one tenant through the bridge, with asks answered in any
/// order, answers lost (the ledger then assumes the tenant may hold the grant and releases it) and
/// notices delivered late and twice. Checked at every step: the tenant's invariant and its budget,
/// every workflow ledger's; at the end, after every notice is delivered: each workflow holds at the
/// tenant exactly what it holds itself, and money is conserved (Σ workflow committed = tenant
/// committed_total + uncovered).
TEST(TenantRelay, RandomInterleavingsKeepTheTenantWithinBudgetAndConserveMoney) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
    constexpr int kWorkflows = 6;
    TenantLedger tenant(terms(1000));
    struct Wf {
      TenantRelay relay;
      std::unique_ptr<Ledger> book;
      std::deque<TenantNotice> notices;  // sent, not yet applied at the tenant (in order)
      ReservationId next_id = 1;
    };
    std::vector<Wf> wfs(kWorkflows);
    for (int w = 0; w < kWorkflows; ++w) {
      wfs[w].book = std::make_unique<Ledger>(200 + 100 * static_cast<Money>(pick(6)), &wfs[w].relay);
      tenant.renew(w + 1, 1, 0);
    }
    struct Ask {
      int w;
      Ids ids, fresh;
      Money each;
    };
    std::vector<Ask> asks;
    auto finish = [&](Ask& a, bool granted, bool may_hold) {
      Wf& wf = wfs[a.w];
      if (granted) wf.relay.grant(a.fresh, a.each);
      wf.book->reserve_all(a.ids, a.each);
      wf.relay.clear_grants();
      if (may_hold) wf.relay.release_unheld(*wf.book, a.fresh);
    };
    for (int step = 0; step < 3000; ++step) {
      const int w = static_cast<int>(pick(kWorkflows));
      Wf& wf = wfs[w];
      switch (pick(5)) {
        case 0: {  // a subtask asks for a batch (sometimes a retried one)
          Ids ids;
          const auto k = 1 + pick(4);
          for (std::uint64_t j = 0; j < k; ++j) ids.push_back(wf.next_id++);
          if (pick(5) == 0 && wf.next_id > 4) ids = {wf.next_id - 4};
          const Money each = 10 + static_cast<Money>(pick(60));
          auto plan = plan_tenant_reserve(*wf.book, wf.relay, ids, each);
          if (!plan.ask) wf.book->reserve_all(ids, each);
          else asks.push_back({w, ids, plan.fresh, each});
          break;
        }
        case 1: {  // the tenant answers an ask (any order); the answer may be lost
          if (asks.empty()) break;
          const auto i = pick(asks.size());
          Ask a = asks[i];
          asks.erase(asks.begin() + static_cast<long>(i));
          const auto t = tenant_reserve_all(tenant, a.w + 1, a.fresh, a.each, 0);
          const bool holds = t.code == TenantCode::granted;
          if (pick(10) == 0) finish(a, false, true);  // lost: a no, and the grant (if any) goes back
          else finish(a, holds, holds);
          break;
        }
        case 2: {  // a sample ends: commit (actual <= reserved) or release
          const auto snap = wf.book->snapshot();
          std::vector<Reservation> open;
          for (const auto& r : snap)
            if (r.state == ReservationState::reserved) open.push_back(r);
          if (open.empty()) break;
          const auto& r = open[pick(open.size())];
          if (pick(3) == 0) wf.book->release(r.id);
          else wf.book->commit(r.id, static_cast<Money>(pick(static_cast<std::uint64_t>(r.amount) + 1)));
          break;
        }
        default: {  // notices travel: queued ones are sent; one arrives (sometimes twice)
          for (auto& n : wf.relay.take()) wf.notices.push_back(n);
          if (wf.notices.empty()) break;
          const TenantNotice n = wf.notices.front();
          const int times = pick(4) == 0 ? 2 : 1;
          for (int i = 0; i < times; ++i) {
            if (n.kind == TenantNotice::Kind::commit) tenant.commit(w + 1, n.id, n.actual, 0);
            else tenant.release(w + 1, n.id, 0);
          }
          wf.notices.pop_front();
        }
      }
      ASSERT_TRUE(tenant.audit()) << "seed " << seed << " step " << step;
      ASSERT_LE(tenant.committed() + tenant.reserved(), tenant.budget());
      for (const auto& x : wfs) ASSERT_TRUE(x.book->audit());
    }
    // Drain: every ask answered, every sample ended, every notice delivered.
    for (auto& a : asks) {
      const auto t = tenant_reserve_all(tenant, a.w + 1, a.fresh, a.each, 0);
      finish(a, t.code == TenantCode::granted, t.code == TenantCode::granted);
    }
    Money workflow_committed = 0;
    for (int w = 0; w < kWorkflows; ++w) {
      Wf& wf = wfs[w];
      for (const auto& r : wf.book->snapshot())
        if (r.state == ReservationState::reserved) wf.book->release(r.id);
      for (auto& n : wf.relay.take()) wf.notices.push_back(n);
      for (const auto& n : wf.notices) {
        if (n.kind == TenantNotice::Kind::commit) tenant.commit(w + 1, n.id, n.actual, 0);
        else tenant.release(w + 1, n.id, 0);
      }
      EXPECT_EQ(tenant.reserved_by(w + 1), wf.book->reserved()) << "seed " << seed << " workflow " << w;
      workflow_committed += wf.book->committed();
    }
    EXPECT_EQ(tenant.reserved(), 0) << "seed " << seed;
    EXPECT_EQ(workflow_committed, tenant.committed_total() + tenant.uncovered_total()) << "seed " << seed;
    EXPECT_EQ(tenant.uncovered_total(), 0) << "no lease expired: every commit was covered";
    EXPECT_LE(tenant.committed(), tenant.budget());
  }
}

}  // namespace
}  // namespace concord::ledger

// The tenant ledger (ledger/tenant_ledger.hpp), one rule per test: leases, expiry, late
// commits, periods, idempotency by (workflow, id), and workflow ledgers drawing from it
// through a TenantAccount. The random schedules are in tenant_property_test.cpp.
#include <gtest/gtest.h>

#include "ledger/ledger.hpp"
#include "ledger/tenant_account.hpp"
#include "ledger/tenant_ledger.hpp"

namespace concord::ledger {
namespace {

TenantConfig terms(Money budget, double lease_s = 10, double period_s = std::numeric_limits<double>::infinity()) {
  TenantConfig c;
  c.budget_per_period = budget;
  c.lease_s = lease_s;
  c.period_s = period_s;
  return c;
}

constexpr WorkflowId kA = 1, kB = 2;

TEST(TenantLedger, ReserveNeedsALiveLease) {
  TenantLedger t(terms(100));
  const TenantAnswer a = t.reserve(kA, 1, 10, 0);
  EXPECT_EQ(a.code, TenantCode::denied);
  EXPECT_EQ(a.holding.deny_reason, TenantDenyReason::no_lease);
  EXPECT_EQ(t.renew(kA, 1, 0).code, TenantCode::renewed);
  EXPECT_EQ(t.reserve(kA, 1, 10, 0).code, TenantCode::denied) << "a denial is final for its key";
  EXPECT_EQ(t.reserve(kA, 2, 10, 0).code, TenantCode::granted);
  EXPECT_EQ(t.reserved(), 10);
}

TEST(TenantLedger, WorkflowsShareTheTenantBudget) {
  TenantLedger t(terms(100));
  t.renew(kA, 1, 0);
  t.renew(kB, 1, 0);
  EXPECT_EQ(t.reserve(kA, 1, 60, 0).code, TenantCode::granted);
  const TenantAnswer b = t.reserve(kB, 1, 60, 0);  // same reservation id, other workflow: another key
  EXPECT_EQ(b.code, TenantCode::denied);
  EXPECT_EQ(b.holding.deny_reason, TenantDenyReason::over_budget);
  EXPECT_EQ(t.reserve(kB, 2, 40, 0).code, TenantCode::granted);
  EXPECT_EQ(t.available(), 0);
  EXPECT_EQ(t.commit(kA, 1, 25, 1).code, TenantCode::committed);
  EXPECT_EQ(t.available(), 35);
  EXPECT_EQ(t.committed(), 25);
  EXPECT_TRUE(t.audit());
}

TEST(TenantLedger, ExpiredLeaseReturnsReservedMoneyButCommittedStaysSpent) {
  TenantLedger t(terms(100, /*lease_s=*/10));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 30, 0);
  t.reserve(kA, 2, 50, 1);
  t.commit(kA, 1, 20, 2);
  t.renew(kA, 2, 5);  // lease now to 15
  t.advance(14.9);
  EXPECT_EQ(t.reserved(), 50);
  t.advance(15);  // expired at now >= expiry
  EXPECT_EQ(t.reserved(), 0);
  EXPECT_EQ(t.committed(), 20);
  EXPECT_EQ(t.find(kA, 2)->state, HoldingState::expired);
  EXPECT_EQ(t.expired_holdings(), 1u);
  EXPECT_FALSE(t.lease_live(kA));
  EXPECT_TRUE(t.audit());
}

TEST(TenantLedger, LateCommitIsChargedWhenTheMoneyIsStillFree) {
  TenantLedger t(terms(100, 10));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 50, 0);
  t.advance(20);
  const TenantAnswer late = t.commit(kA, 1, 40, 21);
  EXPECT_EQ(late.code, TenantCode::committed_late);
  EXPECT_EQ(late.holding.charged, 40);
  EXPECT_EQ(late.holding.uncovered, 0);
  EXPECT_EQ(t.committed(), 40);
  EXPECT_EQ(t.late_commits(), 1u);
  EXPECT_TRUE(t.commit(kA, 1, 40, 22).repeated);
}

TEST(TenantLedger, LateCommitNeverExceedsTheBudgetAndReportsWhatItCouldNotCover) {
  TenantLedger t(terms(100, 10));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 50, 0);
  t.advance(10);  // A's 50 return to the tenant ...
  t.renew(kB, 1, 11);
  EXPECT_EQ(t.reserve(kB, 1, 80, 11).code, TenantCode::granted);  // ... and B takes them
  const TenantAnswer late = t.commit(kA, 1, 45, 12);
  EXPECT_EQ(late.code, TenantCode::committed_late);
  EXPECT_EQ(late.holding.charged, 20);
  EXPECT_EQ(late.holding.uncovered, 25);
  EXPECT_EQ(t.committed() + t.reserved(), 100);
  EXPECT_EQ(t.uncovered_total(), 25);
  EXPECT_TRUE(t.audit());
}

TEST(TenantLedger, ReleaseOfAnExpiredHoldingClosesItWithoutReturningMoneyTwice) {
  TenantLedger t(terms(100, 10));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 50, 0);
  t.advance(10);
  EXPECT_EQ(t.available(), 100);
  EXPECT_EQ(t.release(kA, 1, 11).code, TenantCode::released);
  EXPECT_EQ(t.available(), 100);
  EXPECT_EQ(t.commit(kA, 1, 10, 12).code, TenantCode::already_released);
  EXPECT_TRUE(t.release(kA, 1, 13).repeated);
}

TEST(TenantLedger, RenewIsIdempotentByItsNumberAndAnExpiredLeaseCanBeReopened) {
  TenantLedger t(terms(100, 10));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 30, 0);
  EXPECT_TRUE(t.renew(kA, 1, 8).repeated) << "a retried heartbeat does not extend the lease";
  EXPECT_EQ(t.lease_expiry_s(kA), 10.0);
  t.advance(12);
  EXPECT_EQ(t.renew(kA, 2, 12).code, TenantCode::renewed);
  EXPECT_TRUE(t.lease_live(kA));
  EXPECT_EQ(t.find(kA, 1)->state, HoldingState::expired) << "what expired stays expired";
  EXPECT_EQ(t.reserve(kA, 2, 30, 12).code, TenantCode::granted);
}

TEST(TenantLedger, ReplayedMessagesChangeNothing) {
  TenantLedger t(terms(100, 10));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 30, 0);
  t.reserve(kA, 2, 90, 0);  // denied
  t.commit(kA, 1, 10, 1);
  const TenantLedger before = t;
  EXPECT_TRUE(t.reserve(kA, 1, 30, 1).repeated);
  EXPECT_EQ(t.reserve(kA, 2, 90, 1).code, TenantCode::denied);
  EXPECT_TRUE(t.commit(kA, 1, 10, 1).repeated);
  EXPECT_EQ(t.release(kA, 1, 1).code, TenantCode::already_committed);
  EXPECT_EQ(t.reserve(kA, 1, 31, 1).code, TenantCode::conflict);
  EXPECT_EQ(t.commit(kA, 1, 11, 1).code, TenantCode::conflict);
  EXPECT_TRUE(t == before);
}

TEST(TenantLedger, ErrorsChangeNothing) {
  TenantLedger t(terms(100, 10));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 30, 0);
  const TenantLedger before = t;
  EXPECT_EQ(t.commit(kA, 1, 31, 0).code, TenantCode::exceeds_reservation);
  EXPECT_EQ(t.commit(kA, 1, -1, 0).code, TenantCode::invalid_amount);
  EXPECT_EQ(t.reserve(kA, 3, -1, 0).code, TenantCode::invalid_amount);
  EXPECT_EQ(t.commit(kA, 9, 1, 0).code, TenantCode::unknown_id);
  EXPECT_EQ(t.release(kB, 1, 0).code, TenantCode::unknown_id);
  EXPECT_EQ(t.reserve(kA, 4, 1, std::nan("")).code, TenantCode::invalid_time);
  EXPECT_EQ(t.set_budget(29, 0).code, TenantCode::budget_too_low);
  EXPECT_EQ(t.set_budget(-1, 0).code, TenantCode::invalid_amount);
  EXPECT_TRUE(t == before);
}

TEST(TenantLedger, TimeNeverGoesBack) {
  TenantLedger t(terms(100, 10));
  t.renew(kA, 1, 5);
  t.reserve(kA, 1, 30, 2);  // read as t = 5
  EXPECT_EQ(t.now(), 5.0);
  t.advance(14.9);
  EXPECT_EQ(t.reserved(), 30);
  t.advance(15);
  EXPECT_EQ(t.reserved(), 0);
}

TEST(TenantLedger, PeriodRolloverRestartsSpendAndCarriesReservations) {
  TenantLedger t(terms(100, /*lease_s=*/1000, /*period_s=*/60));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 40, 0);
  t.reserve(kA, 2, 50, 0);
  t.commit(kA, 1, 40, 10);
  EXPECT_EQ(t.available(), 10);
  t.advance(60);  // period 1
  EXPECT_EQ(t.period(), 1);
  EXPECT_EQ(t.committed(), 0);
  EXPECT_EQ(t.reserved(), 50) << "the open reservation counts against the new period";
  EXPECT_EQ(t.available(), 50);
  EXPECT_EQ(t.commit(kA, 2, 30, 61).code, TenantCode::committed);
  EXPECT_EQ(t.find(kA, 2)->period, 1) << "charged to the period of the commit";
  EXPECT_EQ(t.committed(), 30);
  EXPECT_EQ(t.committed_total(), 70);
  EXPECT_TRUE(t.commit(kA, 1, 40, 62).repeated) << "last period's commit is still answered";
  EXPECT_TRUE(t.audit());
}

TEST(TenantLedger, SetBudgetAppliesToTheCurrentAndLaterPeriods) {
  TenantLedger t(terms(100, 1000, 60));
  t.renew(kA, 1, 0);
  t.reserve(kA, 1, 40, 0);
  EXPECT_EQ(t.set_budget(40, 1).code, TenantCode::budget_set);
  EXPECT_EQ(t.available(), 0);
  t.advance(200);
  EXPECT_EQ(t.budget(), 40);
}

// ---------------------------------------------------------------- workflow ledgers draw from it

TEST(TenantAccount, WorkflowLedgersDrawFromTheTenant) {
  double now = 0;
  TenantLedger tenant(terms(100, 10));
  TenantAccount a(tenant, kA, [&] { return now; });
  TenantAccount b(tenant, kB, [&] { return now; });
  Ledger la(80, &a), lb(80, &b);
  a.renew();
  b.renew();
  EXPECT_EQ(la.reserve(1, 70).code, Code::granted);
  const Answer denied = lb.reserve(1, 70);  // within B's own 80, not within the tenant's 30
  EXPECT_EQ(denied.code, Code::denied);
  EXPECT_EQ(denied.deny_reason(), DenyReason::source_refused);
  EXPECT_EQ(la.commit(1, 50).code, Code::committed);
  EXPECT_EQ(tenant.committed(), 50);
  EXPECT_EQ(lb.reserve(2, 50).code, Code::granted);
  EXPECT_EQ(lb.release(2).code, Code::released);
  EXPECT_EQ(tenant.reserved(), 0);
  EXPECT_EQ(tenant.committed(), la.committed() + lb.committed());
}

TEST(TenantAccount, ABatchRefusedByTheTenantHoldsNothing) {
  double now = 0;
  TenantLedger tenant(terms(100, 10));
  TenantAccount a(tenant, kA, [&] { return now; });
  Ledger la(1000, &a);
  a.renew();
  const std::vector<ReservationId> ids = {1, 2, 3};
  const BatchAnswer batch = la.reserve_all(ids, 40);  // the third does not fit the tenant
  EXPECT_EQ(batch.code, Code::denied);
  EXPECT_EQ(batch.refused_id, 3u);
  EXPECT_EQ(la.reserved(), 0);
  EXPECT_EQ(tenant.reserved(), 0);
}

TEST(TenantAccount, AStalledWorkflowsLateCommitIsReported) {
  double now = 0;
  TenantLedger tenant(terms(100, 10));
  TenantAccount a(tenant, kA, [&] { return now; });
  Ledger la(100, &a);
  a.renew();
  la.reserve(1, 60);
  now = 30;  // no heartbeat for 30 s: the tenant took the 60 back
  EXPECT_EQ(tenant.advance(now), true);
  EXPECT_EQ(tenant.reserved(), 0);
  EXPECT_EQ(la.commit(1, 60).code, Code::committed);  // the workflow's own ledger cannot refuse
  EXPECT_EQ(a.last_answer().code, TenantCode::committed_late);
  EXPECT_EQ(tenant.late_commits(), 1u);
  EXPECT_EQ(tenant.committed_total() + tenant.uncovered_total(), la.committed());
  EXPECT_FALSE(la.reserve(2, 10).ok()) << "no lease, no new money";
}

}  // namespace
}  // namespace concord::ledger

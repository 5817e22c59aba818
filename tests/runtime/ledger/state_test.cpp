// The ledger state machine of DESIGN.md §6, one rule per test (table in docs/ledger.md).
// Amounts are picodollars; small integers keep the arithmetic readable.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <vector>

#include "ledger/ledger.hpp"

namespace concord::ledger {
namespace {

void expect_totals(const Ledger& l, Money committed, Money reserved) {
  EXPECT_EQ(l.committed(), committed);
  EXPECT_EQ(l.reserved(), reserved);
  EXPECT_EQ(l.available(), l.budget() - committed - reserved);
  EXPECT_TRUE(l.audit());
}

// ---------------------------------------------------------------- happy paths

TEST(LedgerHappyPath, ReserveHoldsTheAmountAndReportsTheReservation) {
  Ledger l(100);
  const Answer a = l.reserve(1, 30);
  EXPECT_EQ(a.code, Code::granted);
  EXPECT_TRUE(a.ok());
  EXPECT_FALSE(a.repeated);
  ASSERT_TRUE(a.known);
  EXPECT_EQ(a.reservation, (Reservation{1, ReservationState::reserved, 30, 0, DenyReason::none}));
  expect_totals(l, 0, 30);
  EXPECT_EQ(l.open_count(), 1u);
  EXPECT_EQ(l.find(1)->state, ReservationState::reserved);
}

TEST(LedgerHappyPath, CommitChargesTheActualAndReleasesTheRest) {
  Ledger l(100);
  l.reserve(1, 30);
  const Answer a = l.commit(1, 12);
  EXPECT_EQ(a.code, Code::committed);
  EXPECT_EQ(a.reservation.state, ReservationState::committed);
  EXPECT_EQ(a.reservation.amount, 30);
  EXPECT_EQ(a.reservation.charged, 12);
  expect_totals(l, 12, 0);
  EXPECT_EQ(l.available(), 88);
  EXPECT_EQ(l.open_count(), 0u);
}

TEST(LedgerHappyPath, CommitOfTheWholeReservationAndOfZeroAreAllowed) {
  Ledger l(100);
  l.reserve(1, 30);
  l.reserve(2, 30);
  EXPECT_EQ(l.commit(1, 30).code, Code::committed);
  EXPECT_EQ(l.commit(2, 0).code, Code::committed);
  expect_totals(l, 30, 0);
}

TEST(LedgerHappyPath, ReleaseDropsTheReservationWithoutCharge) {
  Ledger l(100);
  l.reserve(1, 30);
  const Answer a = l.release(1);
  EXPECT_EQ(a.code, Code::released);
  EXPECT_EQ(a.reservation.state, ReservationState::released);
  EXPECT_EQ(a.reservation.charged, 0);
  expect_totals(l, 0, 0);
}

TEST(LedgerHappyPath, ManyReservationsShareTheBudget) {
  Ledger l(100);
  EXPECT_EQ(l.reserve(1, 40).code, Code::granted);
  EXPECT_EQ(l.reserve(2, 40).code, Code::granted);
  EXPECT_EQ(l.reserve(3, 40).code, Code::denied);  // 80 + 40 > 100
  l.commit(1, 10);                                  // frees 30
  EXPECT_EQ(l.reserve(4, 40).code, Code::granted);  // 10 + 40 + 40 <= 100
  expect_totals(l, 10, 80);
  EXPECT_EQ(l.size(), 4u);
  EXPECT_EQ(l.open_count(), 2u);
}

// ---------------------------------------------------------------- denial and boundary

TEST(LedgerBudget, ReserveOfExactlyTheAvailableAmountIsGranted) {
  Ledger l(100);
  EXPECT_EQ(l.reserve(1, 100).code, Code::granted);
  expect_totals(l, 0, 100);
  EXPECT_EQ(l.available(), 0);
  EXPECT_EQ(l.reserve(2, 0).code, Code::granted);  // nothing asked, nothing needed
}

TEST(LedgerBudget, ReserveOfOnePicodollarMoreThanAvailableIsDeniedOverBudget) {
  Ledger l(100);
  l.reserve(1, 60);
  const Answer a = l.reserve(2, 41);
  EXPECT_EQ(a.code, Code::denied);
  EXPECT_FALSE(a.ok());
  EXPECT_EQ(a.deny_reason(), DenyReason::over_budget);
  EXPECT_EQ(a.reservation.state, ReservationState::denied);
  expect_totals(l, 0, 60);
  EXPECT_EQ(l.reserve(3, 40).code, Code::granted);
}

TEST(LedgerBudget, AZeroBudgetGrantsOnlyZero) {
  Ledger l(0);
  EXPECT_EQ(l.reserve(1, 1).code, Code::denied);
  EXPECT_EQ(l.reserve(2, 0).code, Code::granted);
}

TEST(LedgerBudget, TheLargestBudgetIsExactToThePicodollar) {
  Ledger l(kMaxBudget);
  EXPECT_EQ(l.reserve(1, kMaxBudget - 1).code, Code::granted);
  EXPECT_EQ(l.reserve(2, 2).code, Code::denied);
  EXPECT_EQ(l.reserve(3, 1).code, Code::granted);
  EXPECT_EQ(l.commit(1, kMaxBudget - 1).code, Code::committed);
  expect_totals(l, kMaxBudget - 1, 1);
}

TEST(LedgerBudget, AnAmountFarAboveTheBudgetIsDeniedWithoutOverflow) {
  Ledger l(kMaxBudget);
  l.reserve(1, kMaxBudget);
  EXPECT_EQ(l.reserve(2, std::numeric_limits<Money>::max()).code, Code::denied);
  expect_totals(l, 0, kMaxBudget);
}

TEST(LedgerBudget, ConstructionRejectsABudgetOutsideTheRange) {
  EXPECT_THROW(Ledger(-1), std::invalid_argument);
  EXPECT_THROW(Ledger(kMaxBudget + 1), std::invalid_argument);
}

TEST(LedgerBudget, RaisingTheBudgetFreesRoomAndLoweringStopsAtCommitments) {
  Ledger l(100);
  l.reserve(1, 60);
  l.commit(1, 50);
  l.reserve(2, 30);  // committed 50 + reserved 30
  EXPECT_EQ(l.set_budget(79).code, Code::budget_too_low);
  EXPECT_EQ(l.budget(), 100);
  EXPECT_EQ(l.set_budget(80).code, Code::budget_set);
  EXPECT_EQ(l.available(), 0);
  EXPECT_TRUE(l.set_budget(80).repeated);
  EXPECT_EQ(l.set_budget(200).code, Code::budget_set);
  EXPECT_EQ(l.reserve(3, 120).code, Code::granted);
  EXPECT_EQ(l.set_budget(-5).code, Code::invalid_amount);
  EXPECT_EQ(l.set_budget(kMaxBudget + 1).code, Code::invalid_amount);
  expect_totals(l, 50, 150);
}

// ---------------------------------------------------------------- invalid input

TEST(LedgerInput, NegativeAmountsAreRefusedAndRecordNothing) {
  Ledger l(100);
  EXPECT_EQ(l.reserve(1, -1).code, Code::invalid_amount);
  EXPECT_FALSE(l.find(1).has_value());
  l.reserve(2, 10);
  EXPECT_EQ(l.commit(2, -1).code, Code::invalid_amount);
  EXPECT_EQ(l.find(2)->state, ReservationState::reserved);
  EXPECT_EQ(l.commit(9, -1).code, Code::invalid_amount);
  expect_totals(l, 0, 10);
}

TEST(LedgerInput, CommitAboveTheReservationIsAnErrorAndKeepsTheReservationOpen) {
  Ledger l(100);
  l.reserve(1, 30);
  const Answer a = l.commit(1, 31);
  EXPECT_EQ(a.code, Code::exceeds_reservation);
  EXPECT_EQ(a.reservation.state, ReservationState::reserved);
  expect_totals(l, 0, 30);  // never a silent overspend
  EXPECT_EQ(l.commit(1, 30).code, Code::committed);  // a corrected commit still works
  expect_totals(l, 30, 0);
}

// ---------------------------------------------------------------- idempotency (duplicated messages)

TEST(LedgerIdempotency, ARetriedReserveIsGrantedAgainWithoutReservingTwice) {
  Ledger l(100);
  const Answer first = l.reserve(1, 30);
  const Answer again = l.reserve(1, 30);
  EXPECT_EQ(again.code, first.code);
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(again.reservation, first.reservation);
  expect_totals(l, 0, 30);
}

TEST(LedgerIdempotency, ARetriedDeniedReserveIsDeniedAgainEvenWhenMoneyFreedUp) {
  // A late duplicate must not create a reservation its sender already gave up on.
  Ledger l(100);
  l.reserve(1, 80);
  EXPECT_EQ(l.reserve(2, 50).code, Code::denied);
  l.release(1);
  const Answer again = l.reserve(2, 50);
  EXPECT_EQ(again.code, Code::denied);
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(again.deny_reason(), DenyReason::over_budget);
  expect_totals(l, 0, 0);
}

TEST(LedgerIdempotency, ARetriedCommitReturnsTheSameResultAndChargesOnce) {
  Ledger l(100);
  l.reserve(1, 30);
  const Answer first = l.commit(1, 20);
  const Answer again = l.commit(1, 20);
  EXPECT_EQ(again.code, Code::committed);
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(again.reservation, first.reservation);
  expect_totals(l, 20, 0);
}

TEST(LedgerIdempotency, ARetriedReleaseReturnsReleasedAndChangesNothing) {
  Ledger l(100);
  l.reserve(1, 30);
  l.release(1);
  const Answer again = l.release(1);
  EXPECT_EQ(again.code, Code::released);
  EXPECT_TRUE(again.repeated);
  expect_totals(l, 0, 0);
}

TEST(LedgerIdempotency, AReserveRetriedAfterCommitIsAnsweredFromTheFinalState) {
  Ledger l(100);
  l.reserve(1, 30);
  l.commit(1, 10);
  const Answer again = l.reserve(1, 30);
  EXPECT_EQ(again.code, Code::granted);
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(again.reservation.state, ReservationState::committed);  // no new hold
  expect_totals(l, 10, 0);
}

TEST(LedgerIdempotency, ReleaseAfterCommitIsRefusedAndKeepsTheCharge) {
  Ledger l(100);
  l.reserve(1, 30);
  l.commit(1, 10);
  const Answer a = l.release(1);
  EXPECT_EQ(a.code, Code::already_committed);
  EXPECT_EQ(a.reservation.charged, 10);
  expect_totals(l, 10, 0);
}

TEST(LedgerIdempotency, CommitAfterReleaseIsRefusedAndChargesNothing) {
  Ledger l(100);
  l.reserve(1, 30);
  l.release(1);
  l.reserve(2, 100);  // the released money may already be someone else's
  const Answer a = l.commit(1, 10);
  EXPECT_EQ(a.code, Code::already_released);
  EXPECT_EQ(a.reservation.state, ReservationState::released);
  expect_totals(l, 0, 100);
}

TEST(LedgerIdempotency, CommitAndReleaseOfADeniedIdAreNotGranted) {
  Ledger l(10);
  l.reserve(1, 11);
  EXPECT_EQ(l.commit(1, 5).code, Code::not_granted);
  EXPECT_EQ(l.release(1).code, Code::not_granted);
  expect_totals(l, 0, 0);
}

// ---------------------------------------------------------------- conflicts (reused ids)

TEST(LedgerConflict, AReservedIdReusedWithAnotherAmountIsAConflict) {
  Ledger l(100);
  l.reserve(1, 30);
  const Answer a = l.reserve(1, 31);
  EXPECT_EQ(a.code, Code::conflict);
  EXPECT_FALSE(a.ok());
  EXPECT_EQ(a.reservation.amount, 30);  // the recorded state, unchanged
  expect_totals(l, 0, 30);
}

TEST(LedgerConflict, AClosedOrDeniedIdReusedWithAnotherAmountIsAConflict) {
  Ledger l(100);
  l.reserve(1, 30);
  l.commit(1, 30);
  l.reserve(2, 500);  // denied
  l.reserve(3, 5);
  l.release(3);
  EXPECT_EQ(l.reserve(1, 10).code, Code::conflict);
  EXPECT_EQ(l.reserve(2, 10).code, Code::conflict);
  EXPECT_EQ(l.reserve(3, 10).code, Code::conflict);
  expect_totals(l, 30, 0);
}

TEST(LedgerConflict, ASecondCommitWithAnotherActualIsAConflict) {
  Ledger l(100);
  l.reserve(1, 30);
  l.commit(1, 20);
  EXPECT_EQ(l.commit(1, 21).code, Code::conflict);
  EXPECT_EQ(l.commit(1, 19).code, Code::conflict);
  expect_totals(l, 20, 0);
}

// ---------------------------------------------------------------- reordered messages

TEST(LedgerReordering, CommitForAnIdNeverReservedIsUnknownAndRecordsNothing) {
  Ledger l(100);
  const Answer a = l.commit(7, 10);
  EXPECT_EQ(a.code, Code::unknown_id);
  EXPECT_FALSE(a.known);
  EXPECT_EQ(l.size(), 0u);
  // The reserve arrives late: it is served normally and the retried commit then succeeds.
  EXPECT_EQ(l.reserve(7, 30).code, Code::granted);
  EXPECT_EQ(l.commit(7, 10).code, Code::committed);
  expect_totals(l, 10, 0);
}

TEST(LedgerReordering, ReleaseBeforeReserveIsUnknownAndTheLaterReserveIsGranted) {
  Ledger l(100);
  EXPECT_EQ(l.release(7).code, Code::unknown_id);
  EXPECT_EQ(l.reserve(7, 30).code, Code::granted);
  EXPECT_EQ(l.release(7).code, Code::released);  // the sender retries until it hears `released`
  expect_totals(l, 0, 0);
}

TEST(LedgerReordering, ACommitOvertakenByItsOwnRetryIsChargedOnce) {
  Ledger l(100);
  l.reserve(1, 30);
  l.reserve(1, 30);  // duplicate in flight
  l.commit(1, 25);
  l.reserve(1, 30);  // the duplicate reserve delivered after the commit
  l.commit(1, 25);
  expect_totals(l, 25, 0);
  EXPECT_EQ(l.size(), 1u);
}

// ---------------------------------------------------------------- observers and the source seam

TEST(LedgerObservers, SnapshotListsEveryIdSortedAndEqualityComparesState) {
  Ledger a(100), b(100);
  for (Ledger* l : {&a, &b}) {
    l->reserve(9, 10);
    l->reserve(3, 20);
    l->commit(3, 5);
    l->reserve(5, 1000);
  }
  const auto snap = a.snapshot();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].id, 3u);
  EXPECT_EQ(snap[1].state, ReservationState::denied);
  EXPECT_EQ(snap[2].state, ReservationState::reserved);
  EXPECT_TRUE(a == b);
  b.release(9);
  EXPECT_FALSE(a == b);
}

class FakeSource final : public BudgetSource {
 public:
  Money limit = 0;
  Money held = 0;
  int commits = 0, releases = 0;
  bool on_reserve(ReservationId, Money amount) override {
    if (held + amount > limit) return false;
    held += amount;
    return true;
  }
  void on_commit(ReservationId, Money) override { ++commits; }
  void on_release(ReservationId) override { ++releases; }
};

TEST(LedgerSource, ASourceRefusalIsADenialWithItsOwnReason) {
  FakeSource src;
  src.limit = 50;
  Ledger l(100, &src);
  EXPECT_EQ(l.reserve(1, 40).code, Code::granted);
  const Answer a = l.reserve(2, 20);  // locally fine, the source says no
  EXPECT_EQ(a.code, Code::denied);
  EXPECT_EQ(a.deny_reason(), DenyReason::source_refused);
  EXPECT_EQ(l.reserve(3, 200).deny_reason(), DenyReason::over_budget);  // local check first
  l.commit(1, 5);
  l.reserve(4, 5);
  l.release(4);
  EXPECT_EQ(src.commits, 1);
  EXPECT_EQ(src.releases, 1);
  expect_totals(l, 5, 0);
}

// ---------------------------------------------------------------- batches: all or none

TEST(LedgerBatch, ReserveAllHoldsEveryIdOrNone) {
  Ledger l(100);
  const std::vector<ReservationId> batch{10, 11, 12};
  BatchAnswer a = l.reserve_all(batch, 30);
  EXPECT_TRUE(a.ok());
  EXPECT_FALSE(a.repeated);
  expect_totals(l, 0, 90);
  a = l.reserve_all(batch, 30);  // the retried message: nothing changes
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(a.repeated);
  expect_totals(l, 0, 90);
  // 2 x 30 > 10 available: denied up front, nothing held, nothing recorded.
  const std::vector<ReservationId> next{20, 21};
  a = l.reserve_all(next, 30);
  EXPECT_EQ(a.code, Code::denied);
  EXPECT_EQ(a.deny_reason, DenyReason::over_budget);
  expect_totals(l, 0, 90);
  EXPECT_FALSE(l.find(20).has_value());
  EXPECT_FALSE(l.find(21).has_value());
}

TEST(LedgerBatch, AnIdRefusedOnItsOwnReleasesWhatTheCallGranted) {
  Ledger l(1000);
  ASSERT_TRUE(l.reserve(7, 50).ok());  // id 7 already holds another amount
  const std::vector<ReservationId> batch{5, 6, 7, 8};
  const BatchAnswer a = l.reserve_all(batch, 30);
  EXPECT_EQ(a.code, Code::conflict);
  EXPECT_EQ(a.refused_id, 7u);
  expect_totals(l, 0, 50);  // 5 and 6 were granted, then released; 8 never reserved
  EXPECT_EQ(l.find(5)->state, ReservationState::released);
  EXPECT_FALSE(l.find(8).has_value());
}

TEST(LedgerBatch, EmptyBatchesNegativeAmountsAndOverflowingTotalsAreRefused) {
  Ledger l(kMaxBudget);
  EXPECT_EQ(l.reserve_all({}, 1).code, Code::invalid_amount);
  const std::vector<ReservationId> two{1, 2};
  EXPECT_EQ(l.reserve_all(two, -1).code, Code::invalid_amount);
  EXPECT_EQ(l.reserve_all(two, std::numeric_limits<Money>::max()).code, Code::denied);  // 2 x INT64_MAX saturates
  expect_totals(l, 0, 0);
}

}  // namespace
}  // namespace concord::ledger

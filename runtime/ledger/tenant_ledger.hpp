#pragma once
// The tenant ledger (DESIGN.md §6, issue 13): a tenant's budget per period, from which many
// workflow ledgers draw their money through the reserve/commit/release protocol of
// ledger/ledger.hpp -- idempotent by (workflow id, reservation id), exact money. A workflow
// ledger reaches it through a TenantAccount (ledger/tenant_account.hpp, its BudgetSource).
//
// Leases. A workflow's holdings are kept under a lease that its planner renews; a renew at time
// t keeps them until t + lease_s. When a lease expires (now >= its expiry), every holding of the
// workflow still reserved becomes `expired` and its money is free again: a planner that dies
// stops renewing, and what it held returns to the tenant. Committed money stays spent.
//
// Late commit (a commit of an expired holding: the sample ran and its money was spent, but the
// tenant already gave the reservation back). The ledger charges what is still free,
//   charged = min(actual, available),  uncovered = actual - charged,
// answers `committed_late`, and records both (Holding::uncovered, uncovered_total(),
// late_commits()): the report that the budget did not cover a spend. It never charges more
// than is free, so the invariant below holds even then; the lease rule of TenantConfig::lease_s
// keeps late commits to failures (a planner stalled past its lease).
//
// Periods. Period p covers [p * period_s, (p + 1) * period_s) of the caller's clock; the budget
// is per period. At a boundary `committed` starts again from 0 (the spend of the past period
// stays in committed_total()); reservations are carried over: they keep holding money in the
// new period and count against its budget, and a commit is charged to the period in which it
// arrives. (A period's spend can therefore include reservations granted in the previous one,
// but never exceeds its budget: they count against it from the boundary on.)
//
// Time. Every operation takes now_s (seconds, the caller's clock; the ledger never reads one)
// and first brings the ledger to max(now_s, latest time seen): it rolls the period, then
// expires the leases due. A time earlier than one already seen is read as that time (the
// ledger never goes back); a non-finite one is refused (invalid_time) and changes nothing.
// The observers show the state at the latest time seen: call advance(now_s) to refresh it.
//
// INVARIANT (after every operation, refused ones included):
//   0 <= committed, 0 <= reserved, committed + reserved <= budget <= kMaxBudget
//   reserved        == sum of amount over holdings in state reserved
//   committed       == sum of charged over committed holdings charged in the current period
//   committed_total == sum of charged over all committed holdings
//   every reserved holding belongs to a live lease (expiry > now)
// A violation can only be a bug; it aborts the process (all build types), as Ledger does.
//
// Idempotency (docs/negotiation.md has the table): the first accepted reserve fixes a key's
// amount; a retried message is answered from the key's recorded state (repeated, nothing
// changes); other arguments for a known key are a conflict; commit/release of an unknown key
// is unknown_id and records nothing; denials are recorded. A renew carries the planner's
// renewal number `seq` (from 1, increasing): a seq not above the last accepted is a retry.
//
// Deterministic, single-threaded (a tenant ledger actor will serialise access), no I/O, no
// journal yet (docs/negotiation.md "not yet"). Records are never pruned yet.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ledger/tenant_types.hpp"

namespace concord::ledger {

class TenantLedger {
 public:
  /// REQUIRES budget_per_period in [0, kMaxBudget], period_s > 0 (may be infinite), lease_s > 0
  /// and finite, start_s finite (throws std::invalid_argument otherwise).
  explicit TenantLedger(const TenantConfig& config, double start_s = 0);

  // -- time --
  /// Rolls the period and expires the leases due at max(now_s, now()). False if now_s is not finite.
  bool advance(double now_s);

  // -- operations (each advances to now_s first) --
  /// Keeps `workflow`'s holdings until now_s + lease_s (opens a lease if it has none or it expired:
  /// holdings that expired stay expired). seq <= the last accepted seq: repeated, nothing changes.
  TenantAnswer renew(WorkflowId workflow, std::uint64_t seq, double now_s);
  /// Holds `amount` for (workflow, id). Denied (and recorded) if the workflow has no live lease
  /// or amount > available().
  TenantAnswer reserve(WorkflowId workflow, ReservationId id, Money amount, double now_s);
  /// Charges `actual` (<= the reserved amount) and frees the rest; of an expired holding: the
  /// late commit described above.
  TenantAnswer commit(WorkflowId workflow, ReservationId id, Money actual, double now_s);
  /// Drops the holding without charge (an expired one: its money was already returned).
  TenantAnswer release(WorkflowId workflow, ReservationId id, double now_s);
  /// The budget of the current and later periods; refused below committed + reserved.
  TenantAnswer set_budget(Money budget_per_period, double now_s);

  // -- observers (at now()) --
  Money budget() const { return budget_; }
  Money committed() const { return committed_; }  // charged in the current period
  Money reserved() const { return reserved_; }
  Money available() const { return budget_ - committed_ - reserved_; }
  Money committed_total() const { return committed_total_; }  // charged over all periods
  Money uncovered_total() const { return uncovered_total_; }  // late spend no budget covered
  std::size_t late_commits() const { return late_commits_; }
  std::size_t expired_holdings() const { return expired_holdings_; }  // holdings whose lease expired
  double now() const { return now_s_; }
  std::int64_t period() const { return period_; }
  const TenantConfig& config() const { return config_; }
  bool lease_live(WorkflowId workflow) const;
  /// The live lease's expiry (seconds), or nullopt.
  std::optional<double> lease_expiry_s(WorkflowId workflow) const;
  /// Money held for the workflow now.
  Money reserved_by(WorkflowId workflow) const;
  std::optional<Holding> find(WorkflowId workflow, ReservationId id) const;
  /// Every recorded holding, sorted by key.
  std::vector<Holding> snapshot() const;
  /// Re-checks the invariant from the records (O(holdings)); false if broken.
  bool audit() const;

  /// Same state: totals, period, time, holdings and leases.
  friend bool operator==(const TenantLedger& a, const TenantLedger& b);

 private:
  struct Lease {
    double expiry_s = 0;
    std::uint64_t last_seq = 0;
    std::unordered_set<ReservationId> open;  // its holdings in state reserved
    friend bool operator==(const Lease&, const Lease&) = default;
  };

  std::int64_t period_of(double t) const;
  void roll_period();
  void expire_due();
  TenantAnswer answer(TenantCode code, bool repeated, const Holding* h) const;
  void check_invariant() const;  // O(1); aborts on violation

  TenantConfig config_;
  Money budget_;
  Money committed_ = 0;
  Money reserved_ = 0;
  Money committed_total_ = 0;
  Money uncovered_total_ = 0;
  std::size_t late_commits_ = 0;
  std::size_t expired_holdings_ = 0;
  double now_s_;
  std::int64_t period_;
  std::unordered_map<HoldingKey, Holding, HoldingKeyHash> holdings_;
  std::unordered_map<WorkflowId, Lease> leases_;
  std::set<std::pair<double, WorkflowId>> expiries_;  // (expiry_s, workflow) of the live leases
};

}  // namespace concord::ledger

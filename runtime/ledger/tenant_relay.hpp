#pragma once
// The asynchronous bridge between a workflow Ledger and a TenantLedger that lives in another actor
// (possibly on another node): docs/negotiation.md, "Actors". TenantAccount (tenant_account.hpp)
// calls the tenant synchronously; an actor cannot, so the ledger actor splits a reserve in three:
//
//   1. local check   plan_tenant_reserve(ledger, relay, ids, each): repeats, conflicts and local
//                    over-budget are answered by the workflow ledger alone (no tenant message);
//                    otherwise `fresh` = the ids the tenant must grant, marked asked (relay.asked).
//   2. tenant asks   tenant_reserve_all(tenant, workflow, fresh, each, now) in the tenant actor:
//                    all of `fresh` or none.
//   3. local reserve relay.grant(fresh, each); ledger.reserve_all(ids, each); relay.clear_grants():
//                    the Ledger asks its BudgetSource (this relay), which says yes exactly for what
//                    the tenant granted. A fresh id the ledger did not end up holding (another
//                    reserve took the local money meanwhile, or the tenant said no) is released at
//                    the tenant: relay.release_unheld(ledger, fresh).
//
// AN ID GOES TO THE TENANT AT MOST ONCE. A reserve naming an id that was asked before and that
// the workflow ledger does not know (its ask is still out, or it ended without a local hold and
// the id was released at the tenant) is not asked again: the local ledger refuses it
// (source_refused). Otherwise a second ask could be granted as a repeat of a holding whose release
// is still on its way, and the release would then take money the workflow ledger holds.
//
// Commits and releases of the workflow ledger become notices (on_commit / on_release) that the
// actor sends to the tenant and re-sends until answered; every tenant operation is idempotent by
// (workflow, id), so re-sending is safe.
//
// INVARIANT kept (with the tenant's own): money is held for an id by the workflow ledger only if
// the tenant granted it to that id (step 3 says yes for nothing else), so Σ over the tenant's
// workflows of their reserved + committed never exceeds what the tenant holds + charged, except
// for commits of holdings whose lease expired (the tenant's late-commit rule, uncovered money).
// A tenant grant the workflow ledger does not hold is released (step 3, or a failed ask), or
// returns at lease expiry if the releasing node dies. Pure; single-threaded.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ledger/budget_source.hpp"
#include "ledger/ledger.hpp"
#include "ledger/tenant_ledger.hpp"

namespace concord::ledger {

/// One notification owed to the tenant: a commit (actual, picodollars) or a release of `id`.
struct TenantNotice {
  enum class Kind : std::uint8_t { commit, release };
  Kind kind = Kind::release;
  ReservationId id = 0;
  Money actual = 0;  // commit only
  friend bool operator==(const TenantNotice&, const TenantNotice&) = default;
};

/// Step 1: what a reserve_all(ids, each) needs from the tenant. `ask` false: the workflow ledger
/// answers alone (all ids known, an invalid request, or more than its own available money).
struct TenantPlan {
  bool ask = false;
  std::vector<ReservationId> fresh;  // ids the workflow ledger has never answered, in order, no duplicates
};
class TenantRelay;
/// REQUIRES `relay` is `ledger`'s BudgetSource. Marks the returned `fresh` ids asked.
TenantPlan plan_tenant_reserve(const Ledger& ledger, TenantRelay& relay, std::span<const ReservationId> ids, Money each);

/// Step 2 (in the tenant actor): reserves `each` for every (workflow, id), or for none. The money
/// the new keys need is checked against available() first (a denial then records nothing, as
/// Ledger::reserve_all); no live lease is denied(no_lease) recording nothing; a key whose own
/// reserve does not hold money (a conflict, an expired repeat) refuses the batch and the keys this
/// call granted are released. granted: every key holds `each` now.
TenantAnswer tenant_reserve_all(TenantLedger& tenant, WorkflowId workflow, std::span<const ReservationId> ids, Money each,
                                double now_s);

/// The workflow ledger's BudgetSource in the actor: says yes to exactly the grants the tenant
/// made, and queues commits and releases for the tenant.
class TenantRelay final : public BudgetSource {
 public:
  /// The tenant granted `each` to every id (until clear_grants()).
  void grant(std::span<const ReservationId> ids, Money each);
  void clear_grants() { granted_.clear(); }
  /// Queues a release for every id of `fresh` the ledger never held (absent or denied): a tenant
  /// grant nobody uses must go back.
  void release_unheld(const Ledger& ledger, std::span<const ReservationId> fresh);

  bool on_reserve(ReservationId id, Money amount) override;
  void on_commit(ReservationId id, Money actual) override;
  void on_release(ReservationId id) override;

  /// Was `id` ever sent to the tenant (plan_tenant_reserve)?
  bool asked(ReservationId id) const { return asked_.count(id) != 0; }
  void mark_asked(std::span<const ReservationId> ids) { asked_.insert(ids.begin(), ids.end()); }

  /// The notices queued since the last take(), in order.
  std::vector<TenantNotice> take() { return std::exchange(outbox_, {}); }
  bool idle() const { return outbox_.empty(); }

 private:
  std::unordered_map<ReservationId, Money> granted_;
  std::unordered_set<ReservationId> asked_;  // every id sent to the tenant (never asked twice)
  std::vector<TenantNotice> outbox_;
};

}  // namespace concord::ledger

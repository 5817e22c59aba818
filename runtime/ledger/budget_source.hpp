#pragma once
// Seam for the hierarchical ledger (DESIGN.md §6 "a workflow's ledger may draw
// from a tenant ledger"). Implemented by ledger/tenant_account.hpp (a workflow's
// account at its TenantLedger; docs/negotiation.md). A Ledger without a source is
// a standalone ledger whose budget is all its money.
//
// Contract for an implementation (e.g. a tenant ledger shared by workflows):
//   - on_reserve is asked only after the local checks passed (amount <= local
//     available); returning false makes the local answer `denied(source_refused)`.
//   - every call is idempotent by id (the local ledger may be replayed or may
//     retry after a journal failure), and amounts are picodollars.
//   - on_commit / on_release are notifications after the local state changed;
//     they must not fail (queue and retry on the source's side).
// Journal replay never calls a source: the journal records decisions.
#include "ledger/types.hpp"

namespace concord::ledger {

class BudgetSource {
 public:
  virtual ~BudgetSource() = default;
  /// May `amount` be held for `id`? Idempotent by (id, amount).
  virtual bool on_reserve(ReservationId id, Money amount) = 0;
  /// `id` was charged `actual` (<= its reserved amount); the rest is free again.
  virtual void on_commit(ReservationId id, Money actual) = 0;
  /// `id`'s reservation was dropped without charge.
  virtual void on_release(ReservationId id) = 0;
};

}  // namespace concord::ledger

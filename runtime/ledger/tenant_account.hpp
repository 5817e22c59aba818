#pragma once
// A workflow's account at its tenant: the BudgetSource (ledger/budget_source.hpp) through which
// a workflow Ledger draws its money from a TenantLedger (ledger/tenant_ledger.hpp).
//
//   Ledger(workflow budget, &account)  --on_reserve / on_commit / on_release-->  TenantLedger
//
// The workflow ledger keeps its own budget (the workflow's); the tenant adds its own check (the
// tenant's period budget, the workflow's lease). A tenant grant is a yes only while the holding
// really holds money (a reserve retried after the lease expired is a no). Commits and releases
// are notifications that cannot fail: the tenant's answer is kept in last_answer() -- a late
// commit (committed_late, with Holding::uncovered) shows there and in the tenant's counters.
//
// Time: `now_s` is called once per notification for the tenant's clock (seconds). Not owned:
// the tenant must outlive the account, and the account the ledger that uses it.
// Single-threaded, like the ledgers.
#include <cstdint>
#include <functional>

#include "ledger/budget_source.hpp"
#include "ledger/tenant_ledger.hpp"

namespace concord::ledger {

class TenantAccount final : public BudgetSource {
 public:
  TenantAccount(TenantLedger& tenant, WorkflowId workflow, std::function<double()> now_s);

  bool on_reserve(ReservationId id, Money amount) override;
  void on_commit(ReservationId id, Money actual) override;
  void on_release(ReservationId id) override;

  /// The planner's heartbeat: renews the workflow's lease with the next renewal number.
  TenantAnswer renew();

  WorkflowId workflow() const { return workflow_; }
  /// The tenant's answer to the latest call (any kind).
  const TenantAnswer& last_answer() const { return last_; }

 private:
  TenantLedger& tenant_;
  WorkflowId workflow_;
  std::function<double()> now_s_;
  std::uint64_t renewals_ = 0;
  TenantAnswer last_{};
};

}  // namespace concord::ledger

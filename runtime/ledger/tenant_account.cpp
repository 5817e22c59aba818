#include "ledger/tenant_account.hpp"

#include <utility>

namespace concord::ledger {

TenantAccount::TenantAccount(TenantLedger& tenant, WorkflowId workflow, std::function<double()> now_s)
    : tenant_(tenant), workflow_(workflow), now_s_(std::move(now_s)) {}

bool TenantAccount::on_reserve(ReservationId id, Money amount) {
  last_ = tenant_.reserve(workflow_, id, amount, now_s_());
  return last_.code == TenantCode::granted && last_.holding.state == HoldingState::reserved;
}

void TenantAccount::on_commit(ReservationId id, Money actual) { last_ = tenant_.commit(workflow_, id, actual, now_s_()); }

void TenantAccount::on_release(ReservationId id) { last_ = tenant_.release(workflow_, id, now_s_()); }

TenantAnswer TenantAccount::renew() {
  last_ = tenant_.renew(workflow_, ++renewals_, now_s_());
  return last_;
}

}  // namespace concord::ledger

#include "ledger/tenant_relay.hpp"

#include <unordered_set>
#include <utility>

#include "chaos/safeguards.hpp"

namespace concord::ledger {

TenantPlan plan_tenant_reserve(const Ledger& ledger, TenantRelay& relay, std::span<const ReservationId> ids, Money each) {
  TenantPlan p;
  if (ids.empty() || each < 0) return p;  // invalid: the ledger answers invalid_amount
  std::unordered_set<ReservationId> seen;
  Money need = 0;
  for (ReservationId id : ids) {
    if (ledger.find(id) || !seen.insert(id).second) continue;
    if (relay.asked(id)) return TenantPlan{};  // asked once already: the local ledger refuses it
    p.fresh.push_back(id);
    need = saturating_add(need, each);
  }
  // Nothing new (repeats, conflicts) or more than the workflow's own money: no tenant message.
  p.ask = !p.fresh.empty() && need <= ledger.available();
  if (!p.ask) p.fresh.clear();
  relay.mark_asked(p.fresh);
  return p;
}

TenantAnswer tenant_reserve_all(TenantLedger& tenant, WorkflowId workflow, std::span<const ReservationId> ids, Money each,
                                double now_s) {
  TenantAnswer out;
  if (ids.empty() || each < 0) {
    out.code = TenantCode::invalid_amount;
    return out;
  }
  if (!tenant.advance(now_s)) {
    out.code = TenantCode::invalid_time;
    return out;
  }
  Money need = 0;
  for (ReservationId id : ids)
    if (!tenant.find(workflow, id)) need = saturating_add(need, each);
  if (need > 0 && !tenant.lease_live(workflow)) {
    out.code = TenantCode::denied;
    out.holding.deny_reason = TenantDenyReason::no_lease;
    return out;
  }
  if (need > tenant.available() && chaos::safeguard_on(chaos::Safeguard::tenant_check)) {
    out.code = TenantCode::denied;
    out.holding.deny_reason = TenantDenyReason::over_budget;
    return out;
  }
  std::vector<ReservationId> fresh;
  for (ReservationId id : ids) {
    const TenantAnswer a = tenant.reserve(workflow, id, each, now_s);
    if (a.code == TenantCode::granted && a.holding.state == HoldingState::reserved) {
      if (!a.repeated) fresh.push_back(id);
      continue;
    }
    for (ReservationId f : fresh) tenant.release(workflow, f, now_s);
    out = a;
    if (out.code == TenantCode::granted) out.code = TenantCode::denied;  // a repeat that holds nothing (expired)
    return out;
  }
  out.code = TenantCode::granted;
  out.repeated = fresh.empty();
  out.known = true;
  out.holding.state = HoldingState::reserved;
  return out;
}

void TenantRelay::grant(std::span<const ReservationId> ids, Money each) {
  for (ReservationId id : ids) granted_[id] = each;
}

void TenantRelay::release_unheld(const Ledger& ledger, std::span<const ReservationId> fresh) {
  for (ReservationId id : fresh) {
    const auto r = ledger.find(id);
    // absent or denied: never held locally (a released one was queued by on_release already)
    if (!r || r->state == ReservationState::denied)
      outbox_.push_back({TenantNotice::Kind::release, id, 0});
  }
}

bool TenantRelay::on_reserve(ReservationId id, Money amount) {
  const auto it = granted_.find(id);
  return it != granted_.end() && it->second == amount;
}

void TenantRelay::on_commit(ReservationId id, Money actual) { outbox_.push_back({TenantNotice::Kind::commit, id, actual}); }

void TenantRelay::on_release(ReservationId id) { outbox_.push_back({TenantNotice::Kind::release, id, 0}); }

}  // namespace concord::ledger

#include "ledger/tenant_types.hpp"

namespace concord::ledger {

std::string_view to_string(HoldingState s) {
  switch (s) {
    case HoldingState::reserved: return "reserved";
    case HoldingState::committed: return "committed";
    case HoldingState::released: return "released";
    case HoldingState::denied: return "denied";
    case HoldingState::expired: return "expired";
  }
  return "?";
}

std::string_view to_string(TenantDenyReason r) {
  switch (r) {
    case TenantDenyReason::none: return "none";
    case TenantDenyReason::over_budget: return "over_budget";
    case TenantDenyReason::no_lease: return "no_lease";
  }
  return "?";
}

std::string_view to_string(TenantCode c) {
  switch (c) {
    case TenantCode::granted: return "granted";
    case TenantCode::denied: return "denied";
    case TenantCode::committed: return "committed";
    case TenantCode::committed_late: return "committed_late";
    case TenantCode::released: return "released";
    case TenantCode::renewed: return "renewed";
    case TenantCode::budget_set: return "budget_set";
    case TenantCode::conflict: return "conflict";
    case TenantCode::unknown_id: return "unknown_id";
    case TenantCode::exceeds_reservation: return "exceeds_reservation";
    case TenantCode::invalid_amount: return "invalid_amount";
    case TenantCode::invalid_time: return "invalid_time";
    case TenantCode::already_committed: return "already_committed";
    case TenantCode::already_released: return "already_released";
    case TenantCode::not_granted: return "not_granted";
    case TenantCode::budget_too_low: return "budget_too_low";
  }
  return "?";
}

}  // namespace concord::ledger

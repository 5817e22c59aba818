#include "ledger/types.hpp"

namespace concord::ledger {

std::string_view to_string(ReservationState s) {
  switch (s) {
    case ReservationState::reserved: return "reserved";
    case ReservationState::committed: return "committed";
    case ReservationState::released: return "released";
    case ReservationState::denied: return "denied";
  }
  return "?";
}

std::string_view to_string(DenyReason r) {
  switch (r) {
    case DenyReason::none: return "none";
    case DenyReason::over_budget: return "over_budget";
    case DenyReason::source_refused: return "source_refused";
  }
  return "?";
}

std::string_view to_string(Code c) {
  switch (c) {
    case Code::granted: return "granted";
    case Code::denied: return "denied";
    case Code::committed: return "committed";
    case Code::released: return "released";
    case Code::budget_set: return "budget_set";
    case Code::conflict: return "conflict";
    case Code::unknown_id: return "unknown_id";
    case Code::exceeds_reservation: return "exceeds_reservation";
    case Code::invalid_amount: return "invalid_amount";
    case Code::already_committed: return "already_committed";
    case Code::already_released: return "already_released";
    case Code::not_granted: return "not_granted";
    case Code::budget_too_low: return "budget_too_low";
  }
  return "?";
}

std::string_view to_string(Event::Kind k) {
  switch (k) {
    case Event::Kind::grant: return "grant";
    case Event::Kind::deny: return "deny";
    case Event::Kind::commit: return "commit";
    case Event::Kind::release: return "release";
    case Event::Kind::set_budget: return "budget";
  }
  return "?";
}

}  // namespace concord::ledger

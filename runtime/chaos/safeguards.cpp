#include "chaos/safeguards.hpp"

namespace concord::chaos {

std::string_view to_string(Safeguard s) {
  switch (s) {
    case Safeguard::reservation_check: return "reservation_check";
    case Safeguard::overclaim_clamp: return "overclaim_clamp";
    case Safeguard::redispatch: return "redispatch";
    case Safeguard::settle_once: return "settle_once";
    case Safeguard::deadline_timer: return "deadline_timer";
    case Safeguard::ledger_retry: return "ledger_retry";
    case Safeguard::tenant_check: return "tenant_check";
  }
  return "unknown";
}

std::optional<Safeguard> safeguard_named(std::string_view name) {
  for (int i = 0; i < kSafeguards; ++i)
    if (to_string(static_cast<Safeguard>(i)) == name) return static_cast<Safeguard>(i);
  return std::nullopt;
}

}  // namespace concord::chaos

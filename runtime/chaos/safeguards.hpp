#pragma once
// The safeguards `concord chaos` must catch when one is missing (the mutation check, docs/chaos.md):
// a harness that cannot fail proves nothing. All are on, always; only `concord chaos
// --disable-safeguard NAME` (and the tests of the harness) turn one off, process-wide, to show
// that the invariants then break within a stated number of runs.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

namespace concord::chaos {

enum class Safeguard : std::uint8_t {
  reservation_check,  // the ledger grants no reservation beyond what is available (and aborts on an
                      // invariant breach: off, both go, so the harness itself must see the overspend)
  overclaim_clamp,    // a batch charges a worker's claim above its reservation at the reservation
  redispatch,         // a dead worker's samples are dispatched again under their reservation
  settle_once,        // a sample is committed once, whatever its worker sends (duplicates dropped)
  deadline_timer,     // the workflow ends at its deadline, whatever still runs
  ledger_retry,       // a batch asks its ledger again (same ids) when no answer came within the retry interval
  tenant_check,       // a tenant ledger grants no reservation beyond its budget (and aborts on an invariant
                      // breach: off, both go, so the harness must see the tenant's overspend)
};
inline constexpr int kSafeguards = 7;

std::string_view to_string(Safeguard s);
std::optional<Safeguard> safeguard_named(std::string_view name);

namespace detail {
inline std::atomic<std::uint32_t> disabled_safeguards{0};
}

inline bool safeguard_on(Safeguard s) {
  return (detail::disabled_safeguards.load(std::memory_order_relaxed) & (1u << static_cast<unsigned>(s))) == 0;
}
/// Test and chaos only: turns `s` off for the whole process until restore_safeguards().
inline void disable_safeguard(Safeguard s) { detail::disabled_safeguards.fetch_or(1u << static_cast<unsigned>(s)); }
inline void restore_safeguards() { detail::disabled_safeguards.store(0); }

}  // namespace concord::chaos

#pragma once
// A workflow's ledger actor that draws its money from a tenant ledger actor (DESIGN.md §6, the
// hierarchy; docs/negotiation.md "Actors"). Same interface and answers as spawn_ledger
// (proto::ledger_actor, ledger_actor.hpp): the workflow and subtask actors do not know the
// difference. The tenant may be on another node.
//
// Reserve (one id or a batch): the async bridge of ledger/tenant_relay.hpp --
//   local check (repeats, conflicts, the workflow's own budget: answered at once, no message)
//   -> (reserve_atom, account, fresh ids, each) to the tenant (kTenantTimeout)
//   -> local reserve that says yes to exactly what the tenant granted; a tenant grant the workflow
//      ledger did not take (it lost a race for its own money, or the answer came too late) is
//      released at the tenant. No answer (timeout, tenant node gone): the reserve is denied
//      (source_refused) and the fresh ids are released at the tenant in case it granted them.
// Commit / release: applied locally and answered at once; the tenant is told afterwards, and told
// again every tick until it answers (idempotent by (account, id): never lost while this actor
// lives, never double-charged).
// Lease: renewed (renew_atom, seq 2, 3, ...) every lease_s / 3 real seconds while the actor lives:
// the planner's heartbeat. The actor lives as long as its workflow (stop_atom at the end); a node
// that dies stops renewing and the tenant takes its reservations back within lease_s.
// stop_atom: quits once every notice was answered, or after kDrainSeconds (then the lease expiry
// returns what was still reserved at the tenant; an unsent commit is spend the tenant never hears of).
#include <cstdint>

#include <caf/fwd.hpp>

#include "interfaces.hpp"
#include "model/money.hpp"
#include "time/clock.hpp"

namespace concord::actors {

/// A workflow's account at its tenant (from the tenant's open_atom).
struct TenantLink {
  proto::tenant_actor tenant;
  std::uint64_t account = 0;  // the tenant's workflow number
  double lease_s = 30;        // the tenant's lease: renewed every lease_s / 3 (real seconds)
};

/// Seconds (real) a tenant request may take before it counts as unanswered. Below the subtask's
/// own 5 s ledger timeout, so a reserve is always answered to its subtask.
inline constexpr double kTenantTimeoutSeconds = 2.0;
/// Longest a stopped drawn ledger waits for the tenant to answer its last notices.
inline constexpr double kDrainSeconds = 10.0;

proto::ledger_actor spawn_tenant_drawn_ledger(caf::actor_system& sys, Money budget, TenantLink link);

}  // namespace concord::actors

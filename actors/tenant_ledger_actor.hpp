#pragma once
// The tenant ledger actor: one per tenant in the cluster, a thin shell over ledger::TenantLedger
// (a tenant's budget per period, leases, exact money, idempotent by (workflow, id); DESIGN.md §6,
// docs/negotiation.md "Actors"). It lives on the node whose --tenants file lists the tenant; the
// workflow ledgers that draw from it (actors/tenant_drawn_ledger.hpp) may be on any node.
//
//   (open_atom)                          -> (workflow, lease_s): a new account, its lease opened (seq 1)
//   (renew_atom, workflow, seq)          -> tenant_reply (renewed; seq <= last: repeated)
//   (reserve_atom, workflow, ids, each)  -> tenant_reply: all ids or none (ledger::tenant_reserve_all)
//   (commit_atom, workflow, id, actual)  -> tenant_reply (committed | committed_late | ...)
//   (release_atom, workflow, id)         -> tenant_reply
//   (status_atom)                        -> tenant_status
//   (price_atom)                         -> double: the money price now (value per dollar; 0 without money_price)
//   (tick_atom)                          -> its own timer: applies lease expiry and period roll-over
//   (stop_atom)                          -> quits
// Time: seconds on `clock` since the actor started (real steady time on a node; any Clock, e.g.
// an embedded cluster's VirtualTime, in tests). The tick runs every tick_s REAL seconds (CAF's
// timer), so a dead workflow's money returns within lease_s + tick_s of its last renew (every
// operation also applies expiry first; a status is a read: the state as of the last operation or
// tick). The core's invariant check aborts on a bug; nothing throws.
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "interfaces.hpp"
#include "ledger/tenant_types.hpp"
#include "negotiate/ticked_price.hpp"
#include "time/clock.hpp"

namespace concord::actors {

struct TenantLedgerOptions {
  std::string name;              // the tenant's name (status shows it)
  ledger::TenantConfig config;   // budget per period (picodollars), period_s, lease_s
  const Clock* clock = &real_clock();
  double tick_s = 0;             // real seconds between expiry ticks; 0: lease_s / 10 in [0.01, 1]
  /// The tenant's money price (issue 13, docs/negotiation.md "Prices on the actors"): updated
  /// every tick_s seconds of `clock` on the dollars committed in the tick (ticks taken lazily,
  /// before each operation and price read). Unset: no price ((price_atom) answers 0).
  std::optional<negotiate::PriceTerms> money_price;
};

/// Throws std::invalid_argument if the config is invalid (TenantLedger's checks), before spawning.
proto::tenant_actor spawn_tenant_ledger(caf::actor_system& sys, TenantLedgerOptions options);

/// tenant_reply of a core answer.
proto::tenant_reply tenant_reply_of(const ledger::TenantAnswer& a);

}  // namespace concord::actors

#pragma once
// The ledger actor: one per workflow, a thin shell over ledger::Ledger (exact
// money, idempotent by id; DESIGN.md §6). Replies:
//   (reserve_atom, id, amount)  -> bool granted
//   (reserve_atom, vector<uint64> ids, amount each) -> bool: all granted, or none (nothing held)
//   (commit_atom, id, actual)   -> bool ok (the rest of the reservation is released)
//   (release_atom, id)          -> bool ok
//   (status_atom)               -> std::vector<int64_t>{budget, committed, reserved}
#include <caf/fwd.hpp>
#include <caf/actor.hpp>

#include "model/money.hpp"

namespace concord::actors {

caf::actor spawn_ledger(caf::actor_system& sys, Money budget);

}  // namespace concord::actors

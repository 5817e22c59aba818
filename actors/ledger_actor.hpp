#pragma once
// The ledger actor: one per workflow, a thin shell over ledger::Ledger (exact
// money, idempotent by id; DESIGN.md §6). Every answer is the core ledger's own:
//   (reserve_atom, id, amount)  -> proto::ledger_reply (granted | denied | conflict | ...)
//   (reserve_atom, vector<uint64> ids, amount each) -> proto::ledger_reply: Ledger::reserve_all,
//                                  all granted or none held
//   (commit_atom, id, actual)   -> proto::ledger_reply (committed: the rest of the reservation released)
//   (release_atom, id)          -> proto::ledger_reply (released)
//   (status_atom)               -> proto::ledger_status {budget, committed, reserved, open}
#include <caf/fwd.hpp>
#include "interfaces.hpp"

#include "model/money.hpp"

namespace concord::actors {

proto::ledger_actor spawn_ledger(caf::actor_system& sys, Money budget);

}  // namespace concord::actors

#pragma once
// The ledger actor: one per workflow, a thin shell over ledger::Ledger (exact
// money, idempotent by id; DESIGN.md §6). Every answer is the core ledger's own:
//   (reserve_atom, id, amount)  -> proto::ledger_reply (granted | denied | conflict | ...)
//   (reserve_atom, vector<uint64> ids, amount each) -> proto::ledger_reply: Ledger::reserve_all,
//                                  all granted or none held
//   (commit_atom, id, actual)   -> proto::ledger_reply (committed: the rest of the reservation released)
//   (release_atom, id)          -> proto::ledger_reply (released)
//   (status_atom)               -> proto::ledger_status {budget, committed, reserved, open}
//   (stop_atom)                 -> its workflow is over: the actor quits
#include <cstddef>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>
#include "interfaces.hpp"

#include "model/money.hpp"

namespace concord::ledger {
class JournaledLedger;
}

namespace concord::actors {

/// An in-memory ledger: what it held is lost when the process dies.
proto::ledger_actor spawn_ledger(caf::actor_system& sys, Money budget);

/// Most records one group commit covers: past it, the actor syncs at once (bounds an answer's wait).
inline constexpr std::size_t kMaxGroupRecords = 256;

/// A journaled ledger (docs/ledger.md, "Durable ledger in a running node"). Every state change is
/// written to `book`'s journal before it takes effect, with GROUP COMMIT: answers are held until one
/// fdatasync covers the records before them — taken once the actor has handled every message that
/// arrived before the first unsynced record (a flush_atom it sends itself), or at once when
/// kMaxGroupRecords records wait. No answer (status included) ever shows state the disk lacks.
/// stop_atom (its workflow is over) with nothing reserved: sync, close the journal, call
/// `on_settled` (e.g. LedgerDirectory::mark_settled; may be empty). Stopped with reservations open,
/// killed, or exited otherwise: the journal stays live, for the restart rule.
/// A journal I/O error answers the request with sec::runtime_error naming the file and reason
/// (logged on stderr); every later state change fails the same way. No exception leaves the actor.
proto::ledger_actor spawn_journaled_ledger(caf::actor_system& sys, std::shared_ptr<ledger::JournaledLedger> book,
                                           std::function<void()> on_settled);

}  // namespace concord::actors

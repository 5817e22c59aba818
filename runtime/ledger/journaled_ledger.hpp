#pragma once
// A Ledger whose every state change is journaled before it takes effect.
//
// Order: decide -> write the record (fdatasync per policy) -> apply -> answer.
// Why write-ahead: an answer is only ever sent for a state the journal already
// holds, so after a crash the replayed ledger knows every grant any requester
// may have seen. A crash between write and apply (or before the answer goes
// out) leaves a journaled grant that nobody heard of; the requester retries with
// the same id and, by idempotency, gets that grant back (repeated = true) — no
// double reservation, no loss. The opposite order (apply, answer, then write)
// could hand out a grant the journal lacks: after the crash the same money would
// be granted again to someone else, and committed + reserved <= budget would hold
// on paper while the real spend exceeded the budget.
//
// Errors: protocol answers (denied, conflict, unknown_id, ...) are returned as
// by Ledger and journal nothing. I/O failures throw JournalError; the in-memory
// ledger is then unchanged (the event was not applied) and every later
// state-changing call throws too: reopen with JournaledLedger::open.
// No BudgetSource yet (the hierarchical ledger is a later step).
#include <optional>
#include <string>

#include "ledger/journal.hpp"
#include "ledger/ledger.hpp"

namespace concord::ledger {

class JournaledLedger {
 public:
  /// New ledger and journal at `path` (which must not exist).
  static JournaledLedger create(const std::string& path, Money budget, FsyncPolicy policy);
  /// Recovers the ledger from `path` (replay), drops a torn tail (see torn_tail()),
  /// and continues the same file. Throws JournalError if the journal is corrupt.
  static JournaledLedger open(const std::string& path, FsyncPolicy policy);

  Answer reserve(ReservationId id, Money amount);
  Answer commit(ReservationId id, Money actual);
  Answer release(ReservationId id);
  Answer set_budget(Money budget);
  /// Ledger::reserve_all's rule, each grant (and each undo release) journaled. A JournalError
  /// mid-batch leaves the grants already journaled in place (reserved: a restart charges them).
  BatchAnswer reserve_all(std::span<const ReservationId> ids, Money each);
  /// Group commit: makes every record so far durable (one fdatasync; JournalWriter::sync).
  void sync() { writer_.sync(); }

  const Ledger& ledger() const { return ledger_; }
  /// The torn record dropped by open(), if any (for the operator's log).
  const std::optional<TornTail>& torn_tail() const { return torn_; }
  std::uint64_t records() const { return writer_.records(); }
  const std::string& path() const { return writer_.path(); }

 private:
  JournaledLedger(Ledger ledger, JournalWriter writer, std::optional<TornTail> torn);
  Answer run(Decision d);

  Ledger ledger_;
  JournalWriter writer_;
  std::optional<TornTail> torn_;
};

}  // namespace concord::ledger

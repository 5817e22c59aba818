#pragma once
// A node's --data-dir: one journal per workflow ledger the node hosts (docs/ledger.md,
// "Durable ledger in a running node").
//
// Files in DIR (<id> = the workflow id, decimal, > 0):
//   LOCK                    flock'ed (exclusive) by the one node using DIR; the kernel drops the
//                           lock when the process dies, so a kill -9 never leaves DIR locked
//   workflow-<id>.journal   a live ledger: its workflow had not ended when the node last wrote it
//   workflow-<id>.settled   a finished ledger: its workflow ended with nothing reserved. Kept (a
//                           small audit trail: the operator deletes old ones), never replayed as live
//
// Restart rule (recover()): every live journal is replayed (a torn last record is dropped) and
// every reservation still open is COMMITTED AT ITS FULL RESERVED AMOUNT — the worst case: a
// sample in flight at the crash may have run to its token cap and its worker be owed for it, so
// money is never under-counted. The charges are journaled like any commit (then fdatasync'ed), so
// a second replay finds nothing open and charges nothing again: never double-counted. Then the
// file is renamed .settled. A crash anywhere in between is safe: the next recover() replays the
// live journal again (the commits already written are simply there).
// A journal that cannot be recovered (corrupt, unreadable, or locked by a live writer) is skipped
// and reported with its path and reason; the file is left untouched for the operator and its id
// is never reused.
//
// Thread-safety: after open(), every method is const and touches only its own workflow's files:
// the gateway and the ledger actors may call it from any thread.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/journaled_ledger.hpp"

namespace concord::ledger {

/// DIR cannot be used: what() = "<dir>: <reason>".
class DataDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One live journal, recovered by the restart rule.
struct RecoveredLedger {
  std::uint64_t workflow = 0;
  std::string path;                // where it is now (the .settled file)
  Money budget = 0;
  Money committed = 0;             // after the charge: = committed before + in_flight_charged
  std::size_t in_flight = 0;       // reservations open at the crash, now committed in full
  Money in_flight_charged = 0;     // their reserved amounts (picodollars)
  std::uint64_t records = 0;       // records replayed (before the charges)
  std::optional<TornTail> torn;    // a torn last record dropped by the replay
};

/// A journal recover() could not use.
struct SkippedJournal {
  std::string path;
  std::string reason;
};

struct Recovery {
  std::vector<RecoveredLedger> recovered;  // by workflow id
  std::vector<SkippedJournal> skipped;
};

class LedgerDirectory {
 public:
  /// Opens DIR (created if missing, with its parents) and locks it. Throws DataDirError naming
  /// DIR and the reason: not a directory, not writable, or in use by another process.
  explicit LedgerDirectory(std::string dir);
  ~LedgerDirectory();
  LedgerDirectory(const LedgerDirectory&) = delete;
  LedgerDirectory& operator=(const LedgerDirectory&) = delete;

  /// Applies the restart rule to every live journal found at open (see above), before any
  /// create(). A second call finds them settled and returns nothing.
  Recovery recover() const;

  /// A new live journal for a workflow (group commit: FsyncPolicy::never + sync()).
  /// Throws JournalError (e.g. the file exists).
  JournaledLedger create(std::uint64_t workflow, Money budget) const;
  /// The workflow ended with nothing reserved: its journal becomes .settled (renamed, directory
  /// fsynced). Throws JournalError on an I/O error (the journal then stays live).
  void mark_settled(std::uint64_t workflow) const;

  /// The largest workflow id any file in DIR names when it was opened (0: none): new workflows
  /// must be numbered above it.
  std::uint64_t max_workflow_id() const { return max_id_; }
  const std::string& dir() const { return dir_; }
  std::string live_path(std::uint64_t workflow) const;
  std::string settled_path(std::uint64_t workflow) const;

 private:
  std::string dir_;
  int lock_fd_ = -1;
  std::uint64_t max_id_ = 0;
  std::vector<std::uint64_t> live_;  // ids of the live journals found at open, sorted
};

/// The restart rule on one ledger: commits every open reservation at its full amount (journaled).
/// Returns how many and their total. Throws JournalError on an I/O error.
std::pair<std::size_t, Money> charge_in_flight_at_worst_case(JournaledLedger& book);

}  // namespace concord::ledger

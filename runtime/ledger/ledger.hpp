#pragma once
// The budget ledger of DESIGN.md §6: an exact-money state machine.
//
//   reserve(id, amount) -> granted | denied(reason)
//   commit(id, actual)  -> committed        (actual <= reserved; the rest is released)
//   release(id)         -> released         (dropped without charge)
//
// Units: Money = int64 picodollars. Budget in [0, kMaxBudget] (1e6 $ = 1e18 pico),
// so committed + reserved + any accepted amount never overflows int64.
//
// INVARIANT (after every operation, refused ones included):
//     0 <= committed,  0 <= reserved,  committed + reserved <= budget
//   committed == sum of `charged` over committed ids,
//   reserved  == sum of `amount`  over ids in state `reserved`.
// Policy: inputs that would break it are refused with an error Code and change
// nothing (never an overspend, never an exception). The invariant is then
// re-verified after every operation; a violation can only be a bug or memory
// corruption, and it aborts the process (all build types) rather than let a
// broken ledger keep granting money.
//
// Idempotency by id (full table in docs/ledger.md): every id's first accepted
// reserve fixes its amount; a retried message is answered from the id's recorded
// state with `repeated = true` and changes nothing; a different amount for a
// known id is a `conflict`; commit/release of an unknown id is `unknown_id` and
// records nothing. Denials are recorded (state `denied`) so that a duplicate
// reserve delivered late cannot create a reservation its sender no longer expects.
//
// Deterministic, single-threaded (the ledger actor serialises access), no I/O.
// Durability is layered on top: see ledger/journaled_ledger.hpp.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "chaos/safeguards.hpp"
#include "ledger/budget_source.hpp"
#include "ledger/types.hpp"

namespace concord::ledger {

/// Largest budget a ledger accepts (picodollars).
inline constexpr Money kMaxBudget = kMaxBudgetPico;  // model/money.hpp, from model/limits.hpp

/// An operation's answer and the state change it implies (none for repeats and errors).
struct Decision {
  Answer answer;
  std::optional<Event> event;
};

class Ledger {
 public:
  /// REQUIRES 0 <= budget <= kMaxBudget (throws std::invalid_argument otherwise).
  /// `source` (optional, not owned, must outlive the ledger) is asked before each new grant.
  explicit Ledger(Money budget, BudgetSource* source = nullptr);

  // -- operations: decide + apply; never throw, never overspend --
  Answer reserve(ReservationId id, Money amount);
  Answer commit(ReservationId id, Money actual);
  Answer release(ReservationId id);
  /// Reserves `each` for every id, or for none (a batch's samples launch together or not at
  /// all). Ids already reserved with `each` are repeats; the money needed is `each` x the new
  /// ids (saturating), checked against available() before anything is held, so an up-front
  /// denial records nothing (the batch's ids are never used again: the caller's next batch
  /// has new ids). If an id's own reserve refuses (conflict, source_refused, ...), the ids this
  /// call granted are released. Empty `ids` or `each` < 0: invalid_amount.
  BatchAnswer reserve_all(std::span<const ReservationId> ids, Money each);
  /// Raises or lowers the budget; refused (budget_too_low) below committed + reserved.
  Answer set_budget(Money budget);

  // -- the same split in two, for write-ahead journaling --
  /// What the operation would answer, and the event to record and apply (if any).
  /// decide_reserve consults the BudgetSource; the others are pure.
  Decision decide_reserve(ReservationId id, Money amount);
  Decision decide_commit(ReservationId id, Money actual) const;
  Decision decide_release(ReservationId id) const;
  Decision decide_set_budget(Money budget) const;
  /// Applies an event (decided, or read back from a journal). Returns why it
  /// cannot apply to the current state (and changes nothing), or nullopt on success.
  /// Notifies the BudgetSource of commits and releases.
  std::optional<std::string> apply(const Event& e);

  // -- observers --
  Money budget() const { return budget_; }
  Money committed() const { return committed_; }
  Money reserved() const { return reserved_; }
  Money available() const { return budget_ - committed_ - reserved_; }
  std::optional<Reservation> find(ReservationId id) const;
  std::size_t size() const { return ids_.size(); }  // ids ever answered (any state)
  std::size_t open_count() const { return open_; }   // ids in state `reserved`
  /// Every recorded id, sorted by id (for comparisons and reports).
  std::vector<Reservation> snapshot() const;

  /// Re-checks the invariant from scratch (O(ids)); false if broken. Tests and replay use it.
  bool audit() const;

  /// Same budget, totals and per-id records (the source is not compared).
  friend bool operator==(const Ledger& a, const Ledger& b);

 private:
  Answer answer_for(Code code, bool repeated, const Reservation* r) const;
  void check_invariant() const;  // O(1); aborts on violation

  Money budget_;
  Money committed_ = 0;
  Money reserved_ = 0;
  std::size_t open_ = 0;
  std::unordered_map<ReservationId, Reservation> ids_;
  BudgetSource* source_;
};

/// The rule of Ledger::reserve_all, over any ledger-like `book` (Ledger, JournaledLedger) whose
/// reserve/release go through it and whose state `view` shows: all ids or none.
template <class Book>
BatchAnswer reserve_all_of(Book& book, const Ledger& view, std::span<const ReservationId> ids, Money each) {
  BatchAnswer out;
  if (ids.empty() || each < 0) {
    out.code = Code::invalid_amount;
    return out;
  }
  Money need = 0;  // saturating: a batch whose total overflows exceeds every budget
  for (ReservationId id : ids)
    if (!view.find(id)) need = saturating_add(need, each);
  if (need > view.available() && chaos::safeguard_on(chaos::Safeguard::reservation_check)) {  // off: the mutation check
    out.code = Code::denied;
    out.deny_reason = DenyReason::over_budget;
    return out;
  }
  std::vector<ReservationId> fresh;
  for (ReservationId id : ids) {
    const Answer a = book.reserve(id, each);
    if (a.code == Code::granted) {
      if (!a.repeated) fresh.push_back(id);
      continue;
    }
    for (ReservationId f : fresh) book.release(f);
    out.code = a.code;
    out.deny_reason = a.deny_reason();
    out.refused_id = id;
    return out;
  }
  out.code = Code::granted;
  out.repeated = fresh.empty();
  return out;
}

}  // namespace concord::ledger

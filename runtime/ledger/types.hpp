#pragma once
// Vocabulary of the budget ledger (DESIGN.md §6): reservation ids, states,
// answers and the state-changing events that the journal records.
//
// Units: every amount is Money = int64 picodollars (model/money.hpp), never a
// double. Amounts handed to the ledger must be >= 0.
//
// Ids: a ReservationId is a caller-chosen 64-bit number, unique for the life of
// one ledger (e.g. (subtask index << 32) | sample number, or a hash of a string
// key). The ledger remembers every id it has answered (including denials), so
// a retried message is always answered from the id's recorded state.
#include <cstdint>
#include <string_view>

#include "model/money.hpp"

namespace concord::ledger {

using ReservationId = std::uint64_t;

/// Life of an id. `reserved` is the only open state; the other three are final.
///   (absent) --reserve ok--> reserved --commit--> committed
///            \--reserve refused--> denied      \--release--> released
enum class ReservationState : std::uint8_t { reserved, committed, released, denied };

/// Why a reserve was refused. `none` for anything but a denial.
enum class DenyReason : std::uint8_t {
  none,
  over_budget,     // amount > available (= budget - committed - reserved)
  source_refused,  // the BudgetSource (e.g. a tenant ledger) said no
};

/// What one operation answered. The first four are the operation's normal
/// answers (fresh or repeated); the rest are errors that change nothing.
enum class Code : std::uint8_t {
  granted,              // reserve: money is held for the id
  denied,               // reserve: refused (see DenyReason); the id is now final (denied)
  committed,            // commit: actual cost charged, the rest of the reservation released
  released,             // release: reservation dropped without charge
  budget_set,           // set_budget: applied
  conflict,             // id reused with different arguments (other reserve amount / other commit actual)
  unknown_id,           // commit/release of an id never reserved (nothing recorded; may be retried)
  exceeds_reservation,  // commit actual > reserved amount (reservation stays open)
  invalid_amount,       // negative amount, or budget outside [0, kMaxBudget]
  already_committed,    // release of a committed id (nothing to release)
  already_released,     // commit of a released id (never charged after release)
  not_granted,          // commit/release of a denied id
  budget_too_low,       // set_budget below committed + reserved
};

/// One id's recorded state. `amount` is the reserved (or, for a denial,
/// requested) amount; `charged` is the committed actual (0 unless committed).
struct Reservation {
  ReservationId id = 0;
  ReservationState state = ReservationState::reserved;
  Money amount = 0;
  Money charged = 0;
  DenyReason deny_reason = DenyReason::none;
  friend bool operator==(const Reservation&, const Reservation&) = default;
};

/// The reply to one operation. `repeated` is true when the answer comes from
/// an earlier identical operation (a retried message): nothing changed.
/// `reservation` is the id's state after the operation (absent: `known` false).
struct Answer {
  Code code = Code::unknown_id;
  bool repeated = false;
  bool known = false;
  Reservation reservation{};
  DenyReason deny_reason() const { return known ? reservation.deny_reason : DenyReason::none; }
  /// The operation achieved what was asked (possibly earlier: see `repeated`).
  bool ok() const {
    return code == Code::granted || code == Code::committed || code == Code::released || code == Code::budget_set;
  }
};

/// The reply to reserve_all (a batch's k reservations, all or none).
/// granted: every id holds the amount now (`repeated`: they all did already, nothing changed).
/// Otherwise no id of the call holds money it did not hold before: denied (with its reason),
/// or the code of the first id whose own reserve refused (conflict, invalid_amount, ...).
struct BatchAnswer {
  Code code = Code::denied;
  DenyReason deny_reason = DenyReason::none;
  bool repeated = false;
  ReservationId refused_id = 0;  // the id whose answer refused the batch (none for an up-front denial)
  bool ok() const { return code == Code::granted; }
};

/// A state change, as recorded in the journal (DESIGN.md §6 "durable").
/// The journal stores decisions, not requests: replaying a `deny` re-creates
/// the denial even when the reason (a BudgetSource) is not there at replay.
struct Event {
  enum class Kind : std::uint8_t { grant, deny, commit, release, set_budget };
  Kind kind = Kind::grant;
  ReservationId id = 0;  // unused for set_budget
  Money amount = 0;      // grant/deny: reserved/requested; commit: actual; set_budget: new budget; release: 0
  DenyReason reason = DenyReason::none;  // deny only
  friend bool operator==(const Event&, const Event&) = default;
};

std::string_view to_string(ReservationState s);
std::string_view to_string(DenyReason r);
std::string_view to_string(Code c);
std::string_view to_string(Event::Kind k);

}  // namespace concord::ledger

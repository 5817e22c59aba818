#include "ledger/ledger.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "chaos/safeguards.hpp"

namespace concord::ledger {

namespace {

[[noreturn]] void die(const char* what, Money budget, Money committed, Money reserved) {
  std::fprintf(stderr,
               "concord ledger: invariant violated (%s): budget=%lld committed=%lld reserved=%lld picodollars; "
               "aborting rather than risk an overspend\n",
               what, static_cast<long long>(budget), static_cast<long long>(committed),
               static_cast<long long>(reserved));
  std::abort();
}

}  // namespace

Ledger::Ledger(Money budget, BudgetSource* source) : budget_(budget), source_(source) {
  if (budget < 0 || budget > kMaxBudget) {
    throw std::invalid_argument("ledger budget must be in [0, " + std::to_string(kMaxBudget) +
                                "] picodollars, got " + std::to_string(budget));
  }
}

Answer Ledger::answer_for(Code code, bool repeated, const Reservation* r) const {
  Answer a;
  a.code = code;
  a.repeated = repeated;
  if (r) {
    a.known = true;
    a.reservation = *r;
  }
  return a;
}

void Ledger::check_invariant() const {
  if (!chaos::safeguard_on(chaos::Safeguard::reservation_check)) return;  // the mutation check only (docs/chaos.md)
  // Every bound below is <= kMaxBudget = 1e18 < INT64_MAX, so no expression overflows.
  if (budget_ < 0 || budget_ > kMaxBudget) die("budget out of range", budget_, committed_, reserved_);
  if (committed_ < 0 || reserved_ < 0) die("negative total", budget_, committed_, reserved_);
  if (committed_ > budget_ - reserved_) die("committed + reserved > budget", budget_, committed_, reserved_);
}

// ---------------------------------------------------------------- decisions

Decision Ledger::decide_reserve(ReservationId id, Money amount) {
  const auto it = ids_.find(id);
  const Reservation* known = it == ids_.end() ? nullptr : &it->second;
  if (amount < 0) return {answer_for(Code::invalid_amount, false, known), std::nullopt};
  if (known) {
    // A retried reserve: same amount -> the first answer again; other amount -> conflict.
    if (known->amount != amount) return {answer_for(Code::conflict, false, known), std::nullopt};
    const Code first = known->state == ReservationState::denied ? Code::denied : Code::granted;
    return {answer_for(first, true, known), std::nullopt};
  }
  Reservation r{id, ReservationState::reserved, amount, 0, DenyReason::none};
  if (amount > available() && chaos::safeguard_on(chaos::Safeguard::reservation_check)) {
    r.state = ReservationState::denied;
    r.deny_reason = DenyReason::over_budget;
  } else if (source_ && !source_->on_reserve(id, amount)) {
    r.state = ReservationState::denied;
    r.deny_reason = DenyReason::source_refused;
  }
  if (r.state == ReservationState::denied) {
    return {answer_for(Code::denied, false, &r), Event{Event::Kind::deny, id, amount, r.deny_reason}};
  }
  return {answer_for(Code::granted, false, &r), Event{Event::Kind::grant, id, amount, DenyReason::none}};
}

Decision Ledger::decide_commit(ReservationId id, Money actual) const {
  const auto it = ids_.find(id);
  if (it == ids_.end()) {
    return {answer_for(actual < 0 ? Code::invalid_amount : Code::unknown_id, false, nullptr), std::nullopt};
  }
  const Reservation& r = it->second;
  if (actual < 0) return {answer_for(Code::invalid_amount, false, &r), std::nullopt};
  switch (r.state) {
    case ReservationState::reserved: {
      if (actual > r.amount) return {answer_for(Code::exceeds_reservation, false, &r), std::nullopt};
      Reservation after = r;
      after.state = ReservationState::committed;
      after.charged = actual;
      return {answer_for(Code::committed, false, &after), Event{Event::Kind::commit, id, actual, DenyReason::none}};
    }
    case ReservationState::committed:
      return {answer_for(actual == r.charged ? Code::committed : Code::conflict, actual == r.charged, &r),
              std::nullopt};
    case ReservationState::released: return {answer_for(Code::already_released, false, &r), std::nullopt};
    case ReservationState::denied: return {answer_for(Code::not_granted, false, &r), std::nullopt};
  }
  return {answer_for(Code::unknown_id, false, nullptr), std::nullopt};
}

Decision Ledger::decide_release(ReservationId id) const {
  const auto it = ids_.find(id);
  if (it == ids_.end()) return {answer_for(Code::unknown_id, false, nullptr), std::nullopt};
  const Reservation& r = it->second;
  switch (r.state) {
    case ReservationState::reserved: {
      Reservation after = r;
      after.state = ReservationState::released;
      return {answer_for(Code::released, false, &after), Event{Event::Kind::release, id, 0, DenyReason::none}};
    }
    case ReservationState::released: return {answer_for(Code::released, true, &r), std::nullopt};
    case ReservationState::committed: return {answer_for(Code::already_committed, false, &r), std::nullopt};
    case ReservationState::denied: return {answer_for(Code::not_granted, false, &r), std::nullopt};
  }
  return {answer_for(Code::unknown_id, false, nullptr), std::nullopt};
}

Decision Ledger::decide_set_budget(Money budget) const {
  if (budget < 0 || budget > kMaxBudget) return {answer_for(Code::invalid_amount, false, nullptr), std::nullopt};
  if (budget < committed_ + reserved_) return {answer_for(Code::budget_too_low, false, nullptr), std::nullopt};
  if (budget == budget_) return {answer_for(Code::budget_set, true, nullptr), std::nullopt};
  return {answer_for(Code::budget_set, false, nullptr), Event{Event::Kind::set_budget, 0, budget, DenyReason::none}};
}

// ---------------------------------------------------------------- application

std::optional<std::string> Ledger::apply(const Event& e) {
  const auto it = ids_.find(e.id);
  const bool is_known = it != ids_.end();
  switch (e.kind) {
    case Event::Kind::grant:
      if (is_known) return "grant of an id already recorded";
      if (e.amount < 0) return "grant of a negative amount";
      if (e.amount > available() && chaos::safeguard_on(chaos::Safeguard::reservation_check)) return "grant exceeds the available budget";
      ids_.emplace(e.id, Reservation{e.id, ReservationState::reserved, e.amount, 0, DenyReason::none});
      reserved_ += e.amount;
      ++open_;
      break;
    case Event::Kind::deny:
      if (is_known) return "denial of an id already recorded";
      if (e.amount < 0) return "denial of a negative amount";
      if (e.reason == DenyReason::none) return "denial without a reason";
      ids_.emplace(e.id, Reservation{e.id, ReservationState::denied, e.amount, 0, e.reason});
      break;
    case Event::Kind::commit: {
      if (!is_known || it->second.state != ReservationState::reserved) return "commit of an id that is not reserved";
      Reservation& r = it->second;
      if (e.amount < 0 || e.amount > r.amount) return "commit outside [0, reserved amount]";
      r.state = ReservationState::committed;
      r.charged = e.amount;
      reserved_ -= r.amount;
      committed_ += e.amount;
      --open_;
      if (source_) source_->on_commit(e.id, e.amount);
      break;
    }
    case Event::Kind::release: {
      if (!is_known || it->second.state != ReservationState::reserved) return "release of an id that is not reserved";
      Reservation& r = it->second;
      r.state = ReservationState::released;
      reserved_ -= r.amount;
      --open_;
      if (source_) source_->on_release(e.id);
      break;
    }
    case Event::Kind::set_budget:
      if (e.amount < 0 || e.amount > kMaxBudget) return "budget out of range";
      if (e.amount < committed_ + reserved_) return "budget below committed + reserved";
      budget_ = e.amount;
      break;
  }
  check_invariant();
  return std::nullopt;
}

// ---------------------------------------------------------------- operations

namespace {
Answer run(Ledger& l, Decision d) {
  if (d.event) {
    if (auto err = l.apply(*d.event)) {
      // decide_* only emits events that apply: reaching this is a bug.
      std::fprintf(stderr, "concord ledger: decided event does not apply: %s\n", err->c_str());
      std::abort();
    }
  }
  return d.answer;
}
}  // namespace

Answer Ledger::reserve(ReservationId id, Money amount) {
  Answer a = run(*this, decide_reserve(id, amount));
  check_invariant();
  return a;
}

BatchAnswer Ledger::reserve_all(std::span<const ReservationId> ids, Money each) {
  return reserve_all_of(*this, *this, ids, each);
}

Answer Ledger::commit(ReservationId id, Money actual) {
  Answer a = run(*this, decide_commit(id, actual));
  check_invariant();
  return a;
}

Answer Ledger::release(ReservationId id) {
  Answer a = run(*this, decide_release(id));
  check_invariant();
  return a;
}

Answer Ledger::set_budget(Money budget) {
  Answer a = run(*this, decide_set_budget(budget));
  check_invariant();
  return a;
}

// ---------------------------------------------------------------- observers

std::optional<Reservation> Ledger::find(ReservationId id) const {
  const auto it = ids_.find(id);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::vector<Reservation> Ledger::snapshot() const {
  std::vector<Reservation> out;
  out.reserve(ids_.size());
  for (const auto& [id, r] : ids_) out.push_back(r);
  std::sort(out.begin(), out.end(), [](const Reservation& a, const Reservation& b) { return a.id < b.id; });
  return out;
}

bool Ledger::audit() const {
  Money committed = 0, reserved = 0;
  std::size_t open = 0;
  for (const auto& [id, r] : ids_) {
    if (r.id != id || r.amount < 0 || r.charged < 0) return false;
    switch (r.state) {
      case ReservationState::reserved:
        reserved += r.amount;
        ++open;
        if (r.charged != 0 || r.deny_reason != DenyReason::none) return false;
        break;
      case ReservationState::committed:
        committed += r.charged;
        if (r.charged > r.amount) return false;
        break;
      case ReservationState::released:
        if (r.charged != 0) return false;
        break;
      case ReservationState::denied:
        if (r.charged != 0 || r.deny_reason == DenyReason::none) return false;
        break;
    }
    if (committed > kMaxBudget || reserved > kMaxBudget) return false;  // keeps the sums exact
  }
  return committed == committed_ && reserved == reserved_ && open == open_ && budget_ >= 0 &&
         budget_ <= kMaxBudget && committed + reserved <= budget_;
}

bool operator==(const Ledger& a, const Ledger& b) {
  return a.budget_ == b.budget_ && a.committed_ == b.committed_ && a.reserved_ == b.reserved_ && a.open_ == b.open_ &&
         a.ids_ == b.ids_;
}

}  // namespace concord::ledger

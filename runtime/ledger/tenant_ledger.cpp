#include "ledger/tenant_ledger.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "chaos/safeguards.hpp"
#include "ledger/ledger.hpp"  // kMaxBudget

namespace concord::ledger {

namespace {

[[noreturn]] void die(const char* what, Money budget, Money committed, Money reserved) {
  std::fprintf(stderr,
               "concord tenant ledger: invariant violated (%s): budget=%lld committed=%lld reserved=%lld "
               "picodollars; aborting rather than risk an overspend\n",
               what, static_cast<long long>(budget), static_cast<long long>(committed),
               static_cast<long long>(reserved));
  std::abort();
}

}  // namespace

TenantLedger::TenantLedger(const TenantConfig& config, double start_s)
    : config_(config), budget_(config.budget_per_period), now_s_(start_s), period_(0) {
  if (config.budget_per_period < 0 || config.budget_per_period > kMaxBudget) {
    throw std::invalid_argument("tenant budget_per_period must be in [0, " + std::to_string(kMaxBudget) +
                                "] picodollars, got " + std::to_string(config.budget_per_period));
  }
  if (std::isnan(config.period_s) || config.period_s <= 0) {
    throw std::invalid_argument("tenant period_s must be > 0 seconds (infinity: one period)");
  }
  if (!std::isfinite(config.lease_s) || config.lease_s <= 0) {
    throw std::invalid_argument("tenant lease_s must be > 0 seconds and finite");
  }
  if (!std::isfinite(start_s)) throw std::invalid_argument("tenant start_s must be finite");
  period_ = period_of(start_s);
}

// ---------------------------------------------------------------- time

std::int64_t TenantLedger::period_of(double t) const {
  if (std::isinf(config_.period_s)) return 0;
  const double p = std::floor(t / config_.period_s);
  constexpr double kLimit = 9.0e18;  // keeps the conversion defined; no clock gets there
  return static_cast<std::int64_t>(std::clamp(p, -kLimit, kLimit));
}

void TenantLedger::roll_period() {
  const std::int64_t p = period_of(now_s_);
  if (p <= period_) return;
  // Reservations carry over and keep counting; the new period's spend starts from 0.
  period_ = p;
  committed_ = 0;
}

void TenantLedger::expire_due() {
  while (!expiries_.empty() && expiries_.begin()->first <= now_s_) {
    const WorkflowId workflow = expiries_.begin()->second;
    expiries_.erase(expiries_.begin());
    Lease& lease = leases_.at(workflow);
    for (ReservationId id : lease.open) {
      Holding& h = holdings_.at(HoldingKey{workflow, id});
      h.state = HoldingState::expired;
      h.lapsed = true;
      reserved_ -= h.amount;
      ++expired_holdings_;
    }
    lease.open.clear();
  }
}

bool TenantLedger::advance(double now_s) {
  if (!std::isfinite(now_s)) return false;
  now_s_ = std::max(now_s_, now_s);
  roll_period();
  expire_due();
  check_invariant();
  return true;
}

// ---------------------------------------------------------------- operations

TenantAnswer TenantLedger::answer(TenantCode code, bool repeated, const Holding* h) const {
  TenantAnswer a;
  a.code = code;
  a.repeated = repeated;
  if (h) {
    a.known = true;
    a.holding = *h;
  }
  return a;
}

TenantAnswer TenantLedger::renew(WorkflowId workflow, std::uint64_t seq, double now_s) {
  if (!advance(now_s)) return answer(TenantCode::invalid_time, false, nullptr);
  const auto found = leases_.find(workflow);
  const std::uint64_t last_seq = found == leases_.end() ? 0 : found->second.last_seq;
  if (seq <= last_seq) return answer(TenantCode::renewed, true, nullptr);  // a retry; seq 0 never counts
  const bool live = lease_live(workflow);
  Lease& lease = leases_[workflow];
  lease.last_seq = seq;
  if (live) expiries_.erase({lease.expiry_s, workflow});
  lease.expiry_s = now_s_ + config_.lease_s;  // not earlier than before: time never goes back
  expiries_.emplace(lease.expiry_s, workflow);
  check_invariant();
  return answer(TenantCode::renewed, false, nullptr);
}

TenantAnswer TenantLedger::reserve(WorkflowId workflow, ReservationId id, Money amount, double now_s) {
  if (!advance(now_s)) return answer(TenantCode::invalid_time, false, nullptr);
  const HoldingKey key{workflow, id};
  const auto it = holdings_.find(key);
  const Holding* known = it == holdings_.end() ? nullptr : &it->second;
  if (amount < 0) return answer(TenantCode::invalid_amount, false, known);
  if (known) {
    if (known->amount != amount) return answer(TenantCode::conflict, false, known);
    const TenantCode first = known->state == HoldingState::denied ? TenantCode::denied : TenantCode::granted;
    return answer(first, true, known);
  }
  Holding h;
  h.key = key;
  h.amount = amount;
  h.period = period_;
  if (!lease_live(workflow)) {
    h.state = HoldingState::denied;
    h.deny_reason = TenantDenyReason::no_lease;
  } else if (amount > available() && chaos::safeguard_on(chaos::Safeguard::tenant_check)) {
    h.state = HoldingState::denied;
    h.deny_reason = TenantDenyReason::over_budget;
  } else {
    h.state = HoldingState::reserved;
    reserved_ += amount;
    leases_.at(workflow).open.insert(id);
  }
  const Holding& stored = holdings_.emplace(key, h).first->second;
  check_invariant();
  return answer(h.state == HoldingState::denied ? TenantCode::denied : TenantCode::granted, false, &stored);
}

TenantAnswer TenantLedger::commit(WorkflowId workflow, ReservationId id, Money actual, double now_s) {
  if (!advance(now_s)) return answer(TenantCode::invalid_time, false, nullptr);
  const auto it = holdings_.find(HoldingKey{workflow, id});
  if (it == holdings_.end()) {
    return answer(actual < 0 ? TenantCode::invalid_amount : TenantCode::unknown_id, false, nullptr);
  }
  Holding& h = it->second;
  if (actual < 0) return answer(TenantCode::invalid_amount, false, &h);
  switch (h.state) {
    case HoldingState::reserved:
      if (actual > h.amount) return answer(TenantCode::exceeds_reservation, false, &h);
      h.state = HoldingState::committed;
      h.charged = actual;
      h.period = period_;
      reserved_ -= h.amount;
      committed_ += actual;
      committed_total_ = saturating_add(committed_total_, actual);
      leases_.at(workflow).open.erase(id);
      check_invariant();
      return answer(TenantCode::committed, false, &h);
    case HoldingState::expired: {
      if (actual > h.amount) return answer(TenantCode::exceeds_reservation, false, &h);
      // Late: charge only what is free now; report the rest.
      const Money charged = std::min(actual, available());
      h.state = HoldingState::committed;
      h.charged = charged;
      h.uncovered = actual - charged;
      h.period = period_;
      committed_ += charged;
      committed_total_ = saturating_add(committed_total_, charged);
      uncovered_total_ = saturating_add(uncovered_total_, h.uncovered);
      ++late_commits_;
      check_invariant();
      return answer(TenantCode::committed_late, false, &h);
    }
    case HoldingState::committed: {
      if (actual != h.charged + h.uncovered) return answer(TenantCode::conflict, false, &h);
      return answer(h.lapsed ? TenantCode::committed_late : TenantCode::committed, true, &h);
    }
    case HoldingState::released: return answer(TenantCode::already_released, false, &h);
    case HoldingState::denied: return answer(TenantCode::not_granted, false, &h);
  }
  return answer(TenantCode::unknown_id, false, nullptr);
}

TenantAnswer TenantLedger::release(WorkflowId workflow, ReservationId id, double now_s) {
  if (!advance(now_s)) return answer(TenantCode::invalid_time, false, nullptr);
  const auto it = holdings_.find(HoldingKey{workflow, id});
  if (it == holdings_.end()) return answer(TenantCode::unknown_id, false, nullptr);
  Holding& h = it->second;
  switch (h.state) {
    case HoldingState::reserved:
      h.state = HoldingState::released;
      reserved_ -= h.amount;
      leases_.at(workflow).open.erase(id);
      check_invariant();
      return answer(TenantCode::released, false, &h);
    case HoldingState::expired:  // its money went back at expiry; the key is closed now
      h.state = HoldingState::released;
      return answer(TenantCode::released, false, &h);
    case HoldingState::released: return answer(TenantCode::released, true, &h);
    case HoldingState::committed: return answer(TenantCode::already_committed, false, &h);
    case HoldingState::denied: return answer(TenantCode::not_granted, false, &h);
  }
  return answer(TenantCode::unknown_id, false, nullptr);
}

TenantAnswer TenantLedger::set_budget(Money budget_per_period, double now_s) {
  if (!advance(now_s)) return answer(TenantCode::invalid_time, false, nullptr);
  if (budget_per_period < 0 || budget_per_period > kMaxBudget) return answer(TenantCode::invalid_amount, false, nullptr);
  if (budget_per_period < committed_ + reserved_) return answer(TenantCode::budget_too_low, false, nullptr);
  const bool same = budget_per_period == budget_;
  budget_ = budget_per_period;
  check_invariant();
  return answer(TenantCode::budget_set, same, nullptr);
}

// ---------------------------------------------------------------- observers

bool TenantLedger::lease_live(WorkflowId workflow) const {
  const auto it = leases_.find(workflow);
  return it != leases_.end() && it->second.last_seq > 0 && it->second.expiry_s > now_s_;
}

std::optional<double> TenantLedger::lease_expiry_s(WorkflowId workflow) const {
  if (!lease_live(workflow)) return std::nullopt;
  return leases_.at(workflow).expiry_s;
}

Money TenantLedger::reserved_by(WorkflowId workflow) const {
  const auto it = leases_.find(workflow);
  if (it == leases_.end()) return 0;
  Money sum = 0;
  for (ReservationId id : it->second.open) sum += holdings_.at(HoldingKey{workflow, id}).amount;
  return sum;
}

std::optional<Holding> TenantLedger::find(WorkflowId workflow, ReservationId id) const {
  const auto it = holdings_.find(HoldingKey{workflow, id});
  if (it == holdings_.end()) return std::nullopt;
  return it->second;
}

std::vector<Holding> TenantLedger::snapshot() const {
  std::vector<Holding> out;
  out.reserve(holdings_.size());
  for (const auto& [key, h] : holdings_) out.push_back(h);
  std::sort(out.begin(), out.end(), [](const Holding& a, const Holding& b) { return a.key < b.key; });
  return out;
}

void TenantLedger::check_invariant() const {
  if (!chaos::safeguard_on(chaos::Safeguard::tenant_check)) return;  // the mutation check only (docs/chaos.md)
  // Every bound is <= kMaxBudget = 1e18 < INT64_MAX: no expression overflows.
  if (budget_ < 0 || budget_ > kMaxBudget) die("budget out of range", budget_, committed_, reserved_);
  if (committed_ < 0 || reserved_ < 0) die("negative total", budget_, committed_, reserved_);
  if (committed_ > budget_ - reserved_) die("committed + reserved > budget", budget_, committed_, reserved_);
}

bool TenantLedger::audit() const {
  Money reserved = 0, committed = 0, total = 0, uncovered = 0;
  std::size_t late = 0;
  for (const auto& [key, h] : holdings_) {
    if (!(h.key == key) || h.amount < 0 || h.charged < 0 || h.uncovered < 0) return false;
    if (h.state != HoldingState::committed && (h.charged != 0 || h.uncovered != 0)) return false;
    if ((h.state == HoldingState::denied) != (h.deny_reason != TenantDenyReason::none)) return false;
    switch (h.state) {
      case HoldingState::reserved: {
        reserved += h.amount;
        const auto lease = leases_.find(key.workflow);
        if (lease == leases_.end() || !lease->second.open.contains(key.id) || !lease_live(key.workflow)) return false;
        if (h.lapsed) return false;
        break;
      }
      case HoldingState::committed:
        if (h.charged + h.uncovered > h.amount) return false;
        if (h.uncovered > 0 && !h.lapsed) return false;
        if (h.period == period_) committed += h.charged;
        if (h.period > period_) return false;
        total = saturating_add(total, h.charged);
        uncovered = saturating_add(uncovered, h.uncovered);
        break;
      case HoldingState::expired:
        if (!h.lapsed) return false;
        break;
      case HoldingState::released:
      case HoldingState::denied: break;
    }
    if (reserved > kMaxBudget || committed > kMaxBudget) return false;  // keeps the sums exact
  }
  for (const auto& [key, h] : holdings_)
    if (h.state == HoldingState::committed && h.lapsed) ++late;
  std::size_t open = 0;
  for (const auto& [workflow, lease] : leases_) {
    open += lease.open.size();
    if (!lease.open.empty() && !lease_live(workflow)) return false;
    if (lease_live(workflow) != expiries_.contains({lease.expiry_s, workflow})) return false;
  }
  std::size_t reserved_count = 0;
  for (const auto& [key, h] : holdings_) reserved_count += h.state == HoldingState::reserved ? 1 : 0;
  return reserved == reserved_ && committed == committed_ && total == committed_total_ &&
         uncovered == uncovered_total_ && late == late_commits_ && open == reserved_count &&
         expiries_.size() <= leases_.size() && budget_ >= 0 && budget_ <= kMaxBudget &&
         committed + reserved <= budget_;
}

bool operator==(const TenantLedger& a, const TenantLedger& b) {
  return a.budget_ == b.budget_ && a.committed_ == b.committed_ && a.reserved_ == b.reserved_ &&
         a.committed_total_ == b.committed_total_ && a.uncovered_total_ == b.uncovered_total_ &&
         a.late_commits_ == b.late_commits_ && a.expired_holdings_ == b.expired_holdings_ && a.now_s_ == b.now_s_ &&
         a.period_ == b.period_ && a.holdings_ == b.holdings_ && a.leases_ == b.leases_ && a.expiries_ == b.expiries_;
}

}  // namespace concord::ledger

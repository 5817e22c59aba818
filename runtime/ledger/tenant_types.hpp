#pragma once
// Vocabulary of the tenant ledger (DESIGN.md §6 "a workflow's ledger may draw from a tenant
// ledger", issue 13): workflow ids, holdings (one per (workflow, reservation id)), leases,
// answers. The state machine is ledger/tenant_ledger.hpp; docs/negotiation.md has the tables.
//
// Units: money is Money = int64 picodollars (model/money.hpp); time is double seconds on the
// caller's clock (the tenant ledger never reads a clock).
#include <cstdint>
#include <cstddef>
#include <functional>
#include <limits>
#include <string_view>

#include "ledger/types.hpp"

namespace concord::ledger {

/// A workflow of the tenant: caller-chosen, unique for the tenant ledger's lifetime.
using WorkflowId = std::uint64_t;

/// What the tenant holds for: reservation `id` of workflow `workflow`. Two workflows may use the
/// same reservation id (sample ids restart in every workflow); the pair is the idempotency key.
struct HoldingKey {
  WorkflowId workflow = 0;
  ReservationId id = 0;
  friend bool operator==(const HoldingKey&, const HoldingKey&) = default;
  friend auto operator<=>(const HoldingKey&, const HoldingKey&) = default;
};

struct HoldingKeyHash {
  std::size_t operator()(const HoldingKey& k) const {
    return std::hash<std::uint64_t>{}(k.workflow * 0x9E3779B97F4A7C15ull ^ k.id);
  }
};

/// Life of a holding. `reserved` is the only state that holds money.
///   (absent) --reserve ok--> reserved --commit--> committed
///            \--refused--> denied      |--release--> released
///                                      \--lease expires--> expired --commit (late)--> committed
///                                                                  \--release--> released
enum class HoldingState : std::uint8_t { reserved, committed, released, denied, expired };

enum class TenantDenyReason : std::uint8_t {
  none,
  over_budget,  // amount > the tenant's available money in this period
  no_lease,     // the workflow holds no live lease (never renewed, or it expired)
};

enum class TenantCode : std::uint8_t {
  granted,              // reserve: money held for the key until commit, release or lease expiry
  denied,               // reserve: refused (TenantDenyReason); the key is final
  committed,            // commit of a reserved holding: actual charged, the rest free again
  committed_late,       // commit of an expired holding: charged what was still free (see `uncovered`)
  released,             // release: dropped without charge (of an expired holding: nothing to return)
  renewed,              // renew: the workflow's lease now runs to now + lease_s
  budget_set,           // set_budget: applied
  conflict,             // key reused with different arguments (other amount / other actual)
  unknown_id,           // commit/release of a key never reserved (nothing recorded)
  exceeds_reservation,  // commit actual > reserved amount (nothing changes)
  invalid_amount,       // negative amount, or a budget outside [0, kMaxBudget]
  invalid_time,         // now_s is not finite (nothing changes)
  already_committed,    // release of a committed holding
  already_released,     // commit of a released holding (never charged after release)
  not_granted,          // commit/release of a denied holding
  budget_too_low,       // set_budget below committed + reserved
};

/// One key's recorded state.
struct Holding {
  HoldingKey key{};
  HoldingState state = HoldingState::reserved;
  Money amount = 0;     // reserved amount (denied: requested)
  Money charged = 0;    // committed: what the tenant's budget was charged
  Money uncovered = 0;  // committed late: actual - charged (spent, but no budget was left for it)
  bool lapsed = false;  // the lease expired while this holding held money
  std::int64_t period = 0;  // reserved: period of the grant; committed: period charged
  TenantDenyReason deny_reason = TenantDenyReason::none;
  friend bool operator==(const Holding&, const Holding&) = default;
};

/// Reply to one operation. `repeated`: answered from an earlier identical operation (a retried
/// message); nothing changed. `holding` is the key's state after the operation (if `known`).
struct TenantAnswer {
  TenantCode code = TenantCode::unknown_id;
  bool repeated = false;
  bool known = false;
  Holding holding{};
  bool ok() const {
    return code == TenantCode::granted || code == TenantCode::committed || code == TenantCode::committed_late ||
           code == TenantCode::released || code == TenantCode::renewed || code == TenantCode::budget_set;
  }
};

/// A tenant's terms. Validated by the TenantLedger constructor.
struct TenantConfig {
  Money budget_per_period = 0;  // picodollars, in [0, kMaxBudget]
  /// Period p covers [p * period_s, (p + 1) * period_s) on the caller's clock; infinity: one period.
  double period_s = std::numeric_limits<double>::infinity();
  /// A renew keeps the workflow's holdings for lease_s seconds (> 0, finite). Choose it above
  /// the planner's renew interval plus message delays, and above the longest a sample may run
  /// (a worker's token cap bounds it), so that a live workflow never sees its money expire.
  double lease_s = 30.0;
};

std::string_view to_string(HoldingState s);
std::string_view to_string(TenantDenyReason r);
std::string_view to_string(TenantCode c);

}  // namespace concord::ledger

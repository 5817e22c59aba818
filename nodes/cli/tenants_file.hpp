#pragma once
// `concord node --tenants FILE` (or `[node] tenants="FILE"`): the tenant ledgers a node hosts
// (docs/negotiation.md "Actors"). JSON, validated like the workers file: unknown fields, wrong
// types and values out of range are InputErrors naming the file, the field and the reason.
//
//   {"tenants": [{"name": "acme", "budget_usd": 5.0, "period_s": 3600, "lease_s": 10}]}
//
//   name        1..64 characters of [A-Za-z0-9._-], unique in the file (and, across the cluster, on
//               one node only: a submit naming a tenant configured on two nodes is refused)
//   budget_usd  the budget per period, dollars in 0..1e6; converted once to exact picodollars
//               (rounded to the nearest picodollar)
//   period_s    seconds per period, (0, 1e9]; absent: one period that never ends
//   lease_s     seconds a workflow keeps its reservations without renewing, [0.1, 86400]; default 30
#include <string>
#include <vector>

#include "ledger/tenant_types.hpp"

namespace concord::cli {

struct TenantEntry {
  std::string name;
  ledger::TenantConfig config;
};

inline constexpr double kMinLeaseSeconds = 0.1;
inline constexpr double kMaxLeaseSeconds = 86400;
inline constexpr double kMaxPeriodSeconds = 1e9;

/// Throws InputError (file, field, reason).
std::vector<TenantEntry> read_tenants_file(const std::string& path);

}  // namespace concord::cli

#pragma once
// Exact money. The ledger and the simulator account in integer picodollars
// (1e-12 USD) so that sums are exact and "spend <= budget" is never a rounding
// question. Planners may use doubles; conversion happens at this boundary.
#include <cmath>
#include <cstdint>
#include <string>

#include "model/limits.hpp"

namespace concord {

/// Integer picodollars. int64 holds up to ~9.2 million dollars.
using Money = std::int64_t;

inline constexpr Money kPicoPerDollar = 1'000'000'000'000;
/// Largest budget accepted anywhere (dollars); keeps every sum far from overflow
/// (model/limits.hpp gives the arithmetic).
inline constexpr double kMaxBudgetUsd = limits::kMaxBudgetUsd;
/// The same in picodollars.
inline constexpr Money kMaxBudgetPico = static_cast<Money>(limits::kMaxBudgetUsd) * kPicoPerDollar;

/// a + b, or INT64_MAX / INT64_MIN where it would overflow. Money paths that add an
/// unbounded number of amounts (an action's total cost) use it: a total that cannot be
/// represented is larger than any budget, and is refused as such.
inline Money saturating_add(Money a, Money b) {
  Money r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

/// a x k for k >= 0, saturating at INT64_MAX (a >= 0) or INT64_MIN (a < 0).
inline Money saturating_mul(Money a, std::int64_t k) {
  Money r;
  if (__builtin_mul_overflow(a, k, &r)) return (a < 0) != (k < 0) ? INT64_MIN : INT64_MAX;
  return r;
}

/// Rounds to the nearest picodollar. REQUIRES: finite, |usd| <= kMaxBudgetUsd.
inline Money money_from_dollars(double usd) {
  return static_cast<Money>(std::llround(usd * static_cast<double>(kPicoPerDollar)));
}

inline double dollars(Money m) { return static_cast<double>(m) / static_cast<double>(kPicoPerDollar); }

/// Price of one token in picodollars, from dollars per 1M tokens
/// (2.8 $/1M tokens = 2 800 000 pico$/token: exact for prices with <= 6 decimals).
inline Money pico_per_token(double usd_per_mtok) {
  return static_cast<Money>(std::llround(usd_per_mtok * 1e6));
}

/// "$0.012345" with enough digits to tell small workflow costs apart.
std::string format_dollars(Money m);

}  // namespace concord

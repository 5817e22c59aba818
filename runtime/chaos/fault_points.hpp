#pragma once
// In-process fault points in the style of FoundationDB's `buggify`: places in Concord's own code
// that fail on purpose when a test (or `concord chaos`) arms them. Disarmed — always, unless armed
// — a point costs one relaxed atomic load. Counted, not random: `arm(p, after, times)` makes the
// point fail on its hits number after+1 .. after+times, so a test says exactly which call fails;
// on the embedded cluster's virtual clock the hits come in one deterministic order, so a seeded
// schedule of armings (chaos/fault_plan.hpp) replays exactly. Process-wide: one run at a time.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

namespace concord::chaos {

enum class FaultPoint : std::uint8_t {
  journal_fdatasync,          // ledger::JournalWriter::sync: the fdatasync fails (as on a failing disk)
  ledger_request_lost,        // a batch's request to its ledger (reserve, commit) is never delivered
  ledger_reply_lost,          // the ledger's answer to a batch is never delivered (the ledger applied it)
  ledger_request_duplicated,  // a batch's request to its ledger is delivered twice
  ledger_request_delayed,     // a batch's request to its ledger arrives late: after its retry, out of order
  planner_crash,              // the planner actor dies while deciding (its answer never comes)
};
inline constexpr int kFaultPoints = 6;

std::string_view to_string(FaultPoint p);
std::optional<FaultPoint> fault_point_named(std::string_view name);

namespace detail {
struct PointState {
  std::atomic<std::int64_t> skip{0};   // hits to let pass first
  std::atomic<std::int64_t> fail{0};   // then hits to fail
  std::atomic<std::int64_t> fired{0};  // hits that failed since the last disarm
};
inline PointState fault_points[kFaultPoints];
}  // namespace detail

/// Test and chaos only: from now on, point `p` lets `after` hits pass, then fails `times` hits.
inline void arm_fault(FaultPoint p, std::int64_t after, std::int64_t times) {
  auto& s = detail::fault_points[static_cast<int>(p)];
  s.skip.store(after);
  s.fail.store(times);
}
/// Every point off, its fired count back to 0.
inline void disarm_faults() {
  for (auto& s : detail::fault_points) s.skip.store(0), s.fail.store(0), s.fired.store(0);
}
/// Hits of `p` that failed since the last disarm_faults().
inline std::int64_t fired(FaultPoint p) { return detail::fault_points[static_cast<int>(p)].fired.load(); }

/// True when this hit of `p` must fail.
inline bool buggify(FaultPoint p) {
  auto& s = detail::fault_points[static_cast<int>(p)];
  if (s.fail.load(std::memory_order_relaxed) <= 0) return false;
  if (s.skip.fetch_sub(1) > 0) return false;
  if (s.fail.fetch_sub(1) <= 0) return false;
  s.fired.fetch_add(1);
  return true;
}

}  // namespace concord::chaos

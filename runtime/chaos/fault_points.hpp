#pragma once
// In-process fault points in the style of FoundationDB's `buggify`: places in Concord's own code
// that fail on purpose when a test (or `concord chaos`) arms them. Disarmed — always, unless armed
// — a point costs one relaxed atomic load. Counted, not random: `arm(p, after, times)` makes the
// point fail on its hits number after+1 .. after+times, so a test says exactly which call fails.
#include <atomic>
#include <cstdint>

namespace concord::chaos {

enum class FaultPoint : std::uint8_t {
  journal_fdatasync,  // ledger::JournalWriter::sync: the fdatasync fails (as on a failing disk)
};
inline constexpr int kFaultPoints = 1;

namespace detail {
struct PointState {
  std::atomic<std::int64_t> skip{0};   // hits to let pass first
  std::atomic<std::int64_t> fail{0};   // then hits to fail
};
inline PointState fault_points[kFaultPoints];
}  // namespace detail

/// Test and chaos only: from now on, point `p` lets `after` hits pass, then fails `times` hits.
inline void arm_fault(FaultPoint p, std::int64_t after, std::int64_t times) {
  auto& s = detail::fault_points[static_cast<int>(p)];
  s.skip.store(after);
  s.fail.store(times);
}
inline void disarm_faults() {
  for (auto& s : detail::fault_points) s.skip.store(0), s.fail.store(0);
}

/// True when this hit of `p` must fail.
inline bool buggify(FaultPoint p) {
  auto& s = detail::fault_points[static_cast<int>(p)];
  if (s.fail.load(std::memory_order_relaxed) <= 0) return false;
  if (s.skip.fetch_sub(1) > 0) return false;
  return s.fail.fetch_sub(1) > 0;
}

}  // namespace concord::chaos

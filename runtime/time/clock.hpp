#pragma once
// The time source every actor is given (the seam of DESIGN.md's "injected time"). Actors never
// read a clock themselves: their options carry a Clock (real steady time by default, defined
// here in the core, not in actors/), so that a test drives the time an actor sees
// (ManualClock). Timers (CAF's delayed_send) still run in real time. No CAF.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace concord {

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  /// Seconds from `since` to now.
  double seconds_since(time_point since) const { return std::chrono::duration<double>(now() - since).count(); }
};

/// std::chrono::steady_clock. One for the whole program; thread-safe.
inline const Clock& real_clock() {
  struct Real final : Clock {
    time_point now() const override { return std::chrono::steady_clock::now(); }
  };
  static const Real clock;
  return clock;
}

/// Wall-clock time: nanoseconds since the Unix epoch (std::chrono::system_clock). A timestamp to
/// show or compare across processes on one host (never a duration: use a Clock). Actors that stamp
/// what they record are given this function, so a test can give them another.
inline std::int64_t unix_time_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A clock that moves only when told; thread-safe. For tests.
class ManualClock final : public Clock {
 public:
  time_point now() const override { return time_point(duration(ticks_.load())); }
  void advance(duration d) { ticks_.fetch_add(d.count()); }

 private:
  std::atomic<duration::rep> ticks_{0};
};

}  // namespace concord

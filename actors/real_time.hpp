#pragma once
// CAF 0.17's delayed_send takes integral durations only.
#include <chrono>
#include <cmath>

namespace concord::actors {

/// Seconds (real time) as microseconds, at least 1 us.
inline std::chrono::microseconds real_delay(double seconds) {
  return std::chrono::microseconds(std::max<long long>(1, std::llround(seconds * 1e6)));
}

}  // namespace concord::actors

#pragma once
// Shock-recovery metrics on a stream of task outcomes (1 = success, 0 = failure),
// the Symphony-Coord reference's rule:
//  - rolling success r[t] = mean outcome over tasks (t - window, t], defined for t >= window - 1;
//  - pre-shock level P = mean outcome over the `baseline` tasks before the shock;
//  - a drop happened when min r[t] over t in [shock, end) <= P - drop;
//  - tasks to recover = the smallest k >= 0 such that r[shock + k + j] >= fraction x P
//    for every j in [0, streak); 0 when no drop happened; -1 when never recovered.
#include <cstddef>
#include <vector>

namespace concord::route {

struct RecoveryRule {
  std::size_t window = 50;    // rolling-success window, tasks
  double drop = 0.08;         // minimum drop that counts as a disruption
  double fraction = 0.9;      // recovered when r >= fraction x pre-shock level ...
  std::size_t streak = 50;    // ... for this many consecutive tasks
  std::size_t baseline = 200; // tasks before the shock that define the pre-shock level
};

/// r[t] for every t (NaN before the first full window).
std::vector<double> rolling_mean(const std::vector<double>& outcomes, std::size_t window);

struct Recovery {
  double pre_shock = 0;    // P
  double min_after = 0;    // lowest rolling success after the shock
  bool dropped = false;
  long tasks_to_recover = 0;  // -1: never
};

/// `rolling` = rolling_mean(outcomes, rule.window) (or its mean over replicates);
/// `outcomes` gives P (mean over replicates also accepted: any values in [0, 1]).
Recovery measure_recovery(const std::vector<double>& outcomes, const std::vector<double>& rolling, std::size_t shock,
                          const RecoveryRule& rule);

}  // namespace concord::route

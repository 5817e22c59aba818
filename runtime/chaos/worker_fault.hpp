#pragma once
// A fault a simulated worker plays (fault injection: `concord chaos`, tests). Times are
// simulated seconds since the run started; a worker with no fault behaves as always.
#include <cstdint>
#include <string_view>
#include <vector>

namespace concord::chaos {

enum class WorkerFaultKind : std::uint8_t {
  crash,             // the worker dies at from_s (its in-flight samples are lost with it)
  hang,              // from_s to to_s it handles nothing (as SIGSTOP ... SIGCONT): messages wait
  slow,              // samples started in [from_s, to_s) take `factor` times their latency
  lie_tokens,        // results in [from_s, to_s) claim `factor` times their tokens and cost
  drop_result,       // results due in [from_s, to_s) are never sent (a lost message)
  duplicate_result,  // results due in [from_s, to_s) are sent twice
  delay_result,      // results due in [from_s, to_s) arrive `factor` simulated seconds late
};
inline constexpr int kWorkerFaultKinds = 7;

std::string_view to_string(WorkerFaultKind k);

struct WorkerFault {
  WorkerFaultKind kind = WorkerFaultKind::crash;
  double from_s = 0;
  double to_s = 0;      // crash: unused (a crash is for good)
  double factor = 1;    // slow: latency x; lie_tokens: claims x; delay_result: seconds late
  bool active_at(double t) const { return kind == WorkerFaultKind::crash ? t >= from_s : t >= from_s && t < to_s; }
};

/// The first fault of `kind` active at `t`, or null.
const WorkerFault* active_fault(const std::vector<WorkerFault>& faults, WorkerFaultKind kind, double t);

}  // namespace concord::chaos

#include "chaos/worker_fault.hpp"

namespace concord::chaos {

std::string_view to_string(WorkerFaultKind k) {
  switch (k) {
    case WorkerFaultKind::crash: return "crash";
    case WorkerFaultKind::hang: return "hang";
    case WorkerFaultKind::slow: return "slow";
    case WorkerFaultKind::lie_tokens: return "lie_tokens";
    case WorkerFaultKind::drop_result: return "drop_result";
    case WorkerFaultKind::duplicate_result: return "duplicate_result";
    case WorkerFaultKind::delay_result: return "delay_result";
  }
  return "unknown";
}

const WorkerFault* active_fault(const std::vector<WorkerFault>& faults, WorkerFaultKind kind, double t) {
  for (const WorkerFault& f : faults)
    if (f.kind == kind && f.active_at(t)) return &f;
  return nullptr;
}

}  // namespace concord::chaos

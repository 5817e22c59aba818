#include "chaos/fault_points.hpp"

namespace concord::chaos {

std::string_view to_string(FaultPoint p) {
  switch (p) {
    case FaultPoint::journal_fdatasync: return "journal_fdatasync";
    case FaultPoint::ledger_request_lost: return "ledger_request_lost";
    case FaultPoint::ledger_reply_lost: return "ledger_reply_lost";
    case FaultPoint::ledger_request_duplicated: return "ledger_request_duplicated";
    case FaultPoint::ledger_request_delayed: return "ledger_request_delayed";
    case FaultPoint::planner_crash: return "planner_crash";
  }
  return "unknown";
}

std::optional<FaultPoint> fault_point_named(std::string_view name) {
  for (int i = 0; i < kFaultPoints; ++i)
    if (to_string(static_cast<FaultPoint>(i)) == name) return static_cast<FaultPoint>(i);
  return std::nullopt;
}

}  // namespace concord::chaos

#include "sample_job.hpp"

namespace concord::workers {

// The names are the enumerators' own: logs, metrics and the wire depend on them, never rename.
std::string_view to_string(ErrorClass e) {
  switch (e) {
    case ErrorClass::none: return "none";
    case ErrorClass::http_status: return "http_status";
    case ErrorClass::rate_limited: return "rate_limited";
    case ErrorClass::timeout: return "timeout";
    case ErrorClass::malformed: return "malformed";
    case ErrorClass::transport: return "transport";
    case ErrorClass::cancelled: return "cancelled";
    case ErrorClass::truncated: return "truncated";
    case ErrorClass::exec_failed: return "exec_failed";
    case ErrorClass::exit_status: return "exit_status";
  }
  return "unknown";
}

}  // namespace concord::workers

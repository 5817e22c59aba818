#pragma once
// Runtime::run through a node's gateway: the service edge's client path (edge::Client, as
// `concord submit --watch`). Submit, then Watch from sequence 1 (the node replays what was
// missed), fold the events into the report (event_report.hpp), Cancel when asked.
#include <string>
#include <vector>

#include "concord/concord.hpp"

namespace concord::embed {

struct GatewayTarget {
  std::string endpoint;                       // tcp://HOST:PORT
  std::string server_public, client_secret;   // CURVE, Z85 (both or neither)
  std::string tenant, policy;
  double timeout_s = 10;        // real seconds to wait for the submission's answer
  double idle_timeout_s = 600;  // real seconds without an event before giving up following
};

/// Throws InputError (the node refused the workflow as invalid) or std::runtime_error (no
/// answer, busy, other refusals) before the run starts; afterwards the outcome is the report.
RunReport run_through_gateway(const Workflow& wf, const std::vector<std::string>& subtask_ids, const RunRequest& request,
                              const ProgressCallback& progress, const GatewayTarget& target);

}  // namespace concord::embed

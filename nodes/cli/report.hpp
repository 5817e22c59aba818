#pragma once
// The human-readable report of one episode (`concord run`).
#include <string>
#include <vector>

#include "model/workflow.hpp"
#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"

namespace concord::cli {

struct RunSettings {
  std::string file;
  std::string policy;
  Semantics semantics = Semantics::runtime;
  std::uint64_t seed = 1;
  Money budget = 0;
  double deadline_s = 0;
  std::string engine = "simulator";
  std::string detail;           // extra words about a failure
  std::string budget_origin;    // "--budget", "file", "nominal"
  std::string deadline_origin;
  std::vector<std::string> outputs;  // per subtask: a real worker's accepted output (empty: none)
};

/// Why an episode ended, in one sentence a user can act on.
std::string explain(EndReason reason, Semantics semantics);

std::string format_report(const Workflow& wf, const FlatWorkflow& flat, const RunSettings& settings,
                          const EpisodeResult& result);

}  // namespace concord::cli

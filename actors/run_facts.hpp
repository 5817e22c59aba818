#pragma once
// What the chaos invariants (chaos/invariants.hpp) are checked on, read from one workflow's run
// on the embedded cluster: its report against its ledger and its batches. The process's
// resources and the detection bound are the caller's (concord chaos, tests).
#include "chaos/invariants.hpp"
#include "embedded_cluster.hpp"

namespace concord::actors {

/// `subtasks`: the workflow's subtask count. A ledger that did not report gives reserved -1 (a violation).
chaos::RunFacts run_facts(const ClusterRun& r, const EpisodeConfig& cfg, int subtasks);

}  // namespace concord::actors

#pragma once
// CodeFlow workload: the 129 problems of datasets/codeflow/codeflowbench_repo.json
// as Concord workflows with synthetic profiles (MCPP rollout statistics x the
// 30B_think / 30B_ins / 4B_think / 4B_ins tiers, see model_tiers.hpp).
//
// Problem i becomes workflow "codeflow-i" (dag_kind "codeflow", description =
// problem-id): one subtask per subproblem (id = function name, label = first
// line of its statement); a subproblem depends on the functions it calls.
// Problems that fail validation are reported in Workload::skipped.
// Deterministic: problem i draws from Rng(derive_seed(seed, i)).
#include "workloads/datasets.hpp"

namespace concord {

/// Reads <datasets_dir>/codeflow/codeflowbench_repo.json and
/// <datasets_dir>/mcpp/example_rollout_stats.csv. Throws InputError naming the
/// file, the field path (e.g. "[3].subproblems[1].dependencies[0]") and the reason.
Workload build_codeflow(const WorkloadOptions& options);

}  // namespace concord

#pragma once
// ProofFlow workload: the 184 proof DAGs of datasets/proofflow/benchmark_0409.json
// as Concord workflows with synthetic profiles (MCPP rollout statistics x the
// goedel32b / goedel8b / kimina7b tiers, see model_tiers.hpp).
//
// Graph i becomes workflow "proofflow-i" (dag_kind "proofflow"): one subtask per
// proof node (id = node id, deps = dependencies, label = first line of the node's
// natural_language). Graphs that fail validation (8 have a self or cyclic
// dependency) are reported in Workload::skipped, never returned.
// Deterministic: graph i draws from Rng(derive_seed(seed, i)).
#include "workloads/datasets.hpp"

namespace concord {

/// Reads <datasets_dir>/proofflow/benchmark_0409.json and
/// <datasets_dir>/mcpp/example_rollout_stats.csv. Throws InputError naming the
/// file, the field path (e.g. "[12].proof_graph[3].dependencies") and the reason.
Workload build_proofflow(const WorkloadOptions& options);

}  // namespace concord

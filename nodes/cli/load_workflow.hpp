#pragma once
// Resolving the FILE argument of `concord run` (and friends) into a Workflow.
#include <optional>
#include <string>

#include "model/workflow.hpp"

namespace concord::cli {

struct LoadOptions {
  int dag_index = 0;               // which line of a DAG-pool JSONL file (0-based)
  std::optional<std::string> prices_file;  // price table for DAG-pool files (default: the paper's)
  std::string datasets_dir;        // for proofflow:N / codeflow:N
  std::uint64_t workload_seed = 1; // for proofflow:N / codeflow:N
};

/// FILE forms:
///   *.json            a Concord workflow file (docs/workflow-format.md)
///   *.jsonl           an MCPP DAG-pool file: DAG number --dag-index, priced by --prices
///   proofflow:N       ProofFlow graph N of the shared datasets (synthetic profiles)
///   codeflow:N        CodeFlow-repo problem N of the shared datasets (synthetic profiles)
/// Throws InputError naming the file, field and reason.
Workflow load_workflow(const std::string& file, const LoadOptions& options);

}  // namespace concord::cli

#pragma once
// Graph `index` of the ProofFlow workload (shared datasets, synthetic profiles, seed 1), compiled:
// the workflow the cluster tests run. The workload is built once per test binary.
#include <memory>

#include "sim/flat_workflow.hpp"
#include "workloads/proofflow.hpp"

namespace concord::testing {

inline std::shared_ptr<const FlatWorkflow> proofflow_workflow(int index) {
  WorkloadOptions o;
  o.datasets_dir = CONCORD_DATASETS_DIR;
  static const Workload w = build_proofflow(o);
  return std::make_shared<const FlatWorkflow>(FlatWorkflow::compile(w.workflows.at(static_cast<std::size_t>(index))));
}

}  // namespace concord::testing

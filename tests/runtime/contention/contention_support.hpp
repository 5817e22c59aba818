#pragma once
// Helpers of the contention tests: a small ProofFlow workload (synthetic profiles) and a cheap
// MCPP configuration, built once per test binary.
#include <algorithm>

#include "contention/contention_sim.hpp"
#include "eval/grid.hpp"
#include "test_support.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/proofflow.hpp"

namespace concord::testing {

/// The first `n` workflows of ProofFlow (or CodeFlow) as a contention workload.
inline contention::ContentionWorkload contention_workload(int n, bool codeflow = false) {
  WorkloadOptions wo;
  wo.datasets_dir = datasets_dir();
  Workload w = codeflow ? build_codeflow(wo) : build_proofflow(wo);
  std::vector<bench::BenchWorkflow> t;
  for (int i = 0; i < n && i < static_cast<int>(w.workflows.size()); ++i)
    t.push_back(bench::make_bench_workflow(w.workflows[static_cast<std::size_t>(i)].name,
                                           FlatWorkflow::compile(w.workflows[static_cast<std::size_t>(i)])));
  return contention::make_workload(std::move(t));
}

/// MCPP with few rollouts and candidates: fast enough for many runs in a unit test.
inline McppConfig cheap_mcpp() {
  McppConfig c;
  c.rollouts = 4;
  c.k_levels = {1, 4, 16};
  c.max_candidates = 16;
  c.threads = 1;
  return c;
}

}  // namespace concord::testing

#pragma once
// Helpers of the contention tests: a small ProofFlow workload (synthetic profiles) and a cheap
// MCPP configuration, built once per test binary.
#include <algorithm>

#include "contention/arrivals.hpp"
#include "contention/contention_sim.hpp"
#include "sim/rng.hpp"
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

/// The first 8 ProofFlow workflows, built once per test binary.
inline const contention::ContentionWorkload& proofflow8() {
  static const contention::ContentionWorkload w = contention_workload(8);
  return w;
}

/// The contention tests' base: a cheap MCPP, a 300 s window.
inline contention::ContentionConfig contention_base_config() {
  contention::ContentionConfig c;
  c.planner = cheap_mcpp();
  c.window_s = 300;
  return c;
}

/// A random schedule with tight tenant budgets (the tenant-budget property tests): rate, window,
/// 1-3 tenants, 1-3 workers x 1-6 slots, workflow budgets, any policy; drawn from `stream`'s seed.
inline contention::ContentionConfig tight_random_schedule(std::uint64_t stream, std::uint64_t seed, double max_window_extra_s,
                                                          double max_rate_extra) {
  Rng rng(derive_seed(stream, seed));
  contention::ContentionConfig c = contention_base_config();
  c.seed = seed;
  c.window_s = 120 + max_window_extra_s * rng.uniform();
  c.arrival_rate_per_s = 0.02 + max_rate_extra * rng.uniform();
  c.tenants = 1 + static_cast<int>(rng.below(3));
  c.tenant_budget_usd = 0.002 + 0.05 * rng.uniform();
  c.workers_per_model = 1 + static_cast<int>(rng.below(3));
  c.slots_per_worker = 1 + static_cast<int>(rng.below(6));
  c.budget_ratios = {0.1 + rng.uniform(), 0.5 + rng.uniform()};
  c.policy = contention::all_policies()[rng.below(3)];
  return c;
}

/// A seed from `start` on whose schedule holds exactly one workflow of proofflow8().
inline contention::ContentionConfig single_workflow_config(std::uint64_t start) {
  contention::ContentionConfig c = contention_base_config();
  c.arrival_rate_per_s = 1.0 / 400;
  for (std::uint64_t seed = start;; ++seed) {
    c.seed = seed;
    if (contention::poisson_arrivals(c, static_cast<int>(proofflow8().templates.size())).size() == 1) return c;
  }
}

}  // namespace concord::testing

// Simulator throughput: episodes per second on the ProofFlow workload, one thread.
//
//   build/bench/bench_sim_throughput [--benchmark_min_time=2]
//
// Each iteration runs one episode of the next ProofFlow workflow (176 DAGs,
// synthetic profiles, seed 1) at its nominal budget and deadline, with the
// built-in greedy policy and the Seq-(goedel8b, 4) policy. "episodes/s" is the
// figure to quote; ns per episode is the inverse.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "plan/simple_policies.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "workloads/proofflow.hpp"

namespace {

using namespace concord;

struct Prepared {
  std::vector<FlatWorkflow> flats;
  std::vector<Money> budgets;
  std::vector<double> deadlines;
};

const Prepared& proofflow() {
  static const Prepared p = [] {
    Prepared out;
    const Workload w = build_proofflow(WorkloadOptions{});
    for (const auto& wf : w.workflows) {
      out.flats.push_back(FlatWorkflow::compile(wf));
      out.budgets.push_back(nominal_budget(out.flats.back()));
      out.deadlines.push_back(nominal_deadline_s(out.flats.back()));
    }
    return out;
  }();
  return p;
}

template <class MakePolicy>
void run_benchmark(benchmark::State& state, Semantics semantics, MakePolicy make_policy) {
  const Prepared& p = proofflow();
  std::vector<std::unique_ptr<Simulator>> sims;
  std::vector<std::unique_ptr<Policy>> policies;
  for (const auto& f : p.flats) {
    sims.push_back(std::make_unique<Simulator>(f));
    policies.push_back(make_policy(f));
  }
  EpisodeResult result;
  std::size_t i = 0;
  std::uint64_t seed = 1;
  std::int64_t completed = 0, subtask_batches = 0;
  for (auto _ : state) {
    EpisodeConfig cfg;
    cfg.semantics = semantics;
    cfg.budget = p.budgets[i];
    cfg.deadline_s = p.deadlines[i];
    cfg.seed = seed++;
    sims[i]->run(*policies[i], cfg, result);
    completed += result.completed ? 1 : 0;
    subtask_batches += static_cast<std::int64_t>(result.attempts.size());
    benchmark::DoNotOptimize(result.spend);
    i = (i + 1) % p.flats.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["episodes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["completion"] = static_cast<double>(completed) / static_cast<double>(state.iterations());
  state.counters["batches/episode"] = static_cast<double>(subtask_batches) / static_cast<double>(state.iterations());
}

void BM_Greedy_Runtime(benchmark::State& s) {
  run_benchmark(s, Semantics::runtime, [](const FlatWorkflow&) { return std::make_unique<GreedyPolicy>(); });
}
void BM_Greedy_Reference(benchmark::State& s) {
  run_benchmark(s, Semantics::reference, [](const FlatWorkflow&) { return std::make_unique<GreedyPolicy>(); });
}
void BM_Seq_goedel8b_4_Reference(benchmark::State& s) {
  run_benchmark(s, Semantics::reference, [](const FlatWorkflow& f) { return make_simple_policy("seq:goedel8b:4", f); });
}
void BM_Seq_goedel8b_4_Runtime(benchmark::State& s) {
  run_benchmark(s, Semantics::runtime, [](const FlatWorkflow& f) { return make_simple_policy("seq:goedel8b:4", f); });
}

BENCHMARK(BM_Greedy_Runtime);
BENCHMARK(BM_Greedy_Reference);
BENCHMARK(BM_Seq_goedel8b_4_Runtime);
BENCHMARK(BM_Seq_goedel8b_4_Reference);

}  // namespace

BENCHMARK_MAIN();

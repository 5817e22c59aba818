// MCPP at scale (issue 9): decision time and quality at 16, 64, 128, 512 subtasks,
// and the work of ProofFlow decisions against the default work budget.
//
//   build/bench/bench_mcpp_scale [--sizes 16,64,128,512] [--dags 3] [--episodes 2]
//                                [--quality-work K] [--proofflow-dags N] [--no-timing]
// (--no-timing: quality only, without the first decisions at the default budget)
//
// DAGs: random layered graphs (each subtask depends on 1-2 subtasks of the previous
// three layers, layers about sqrt(n) wide) with ProofFlow's three model tiers and
// synthetic profiles drawn from the MCPP rollout statistics (labelled as such).
// Budget and deadline: the nominal values. Decision time: the first decision of an
// episode (all roots ready), default configuration (best) and faithful, median over DAGs.
// Quality: completion rate over dags x episodes, runtime semantics, MCPP best with a
// work budget of --quality-work thousand draws per decision (default 2000 = 2M) against
// greedy and cheapest on the same seeds.
// ProofFlow: the largest work of any decision of one episode per DAG (faithful and best)
// and whether any decision was cut by the default budget.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "plan/mcpp_planner.hpp"
#include "plan/policy_registry.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "workloads/datasets.hpp"
#include "workloads/model_tiers.hpp"
#include "workloads/proofflow.hpp"
#include "workloads/rollout_stats.hpp"

using namespace concord;

namespace {

Workflow layered_dag(int n, const std::vector<RolloutStat>& stats, Rng& rng) {
  Workflow wf;
  wf.name = "layered-" + std::to_string(n);
  wf.models = tier_models(proofflow_tiers());
  const int width = std::max(1, static_cast<int>(std::lround(std::sqrt(static_cast<double>(n)))));
  for (int i = 0; i < n; ++i) {
    Subtask s;
    s.id = "v" + std::to_string(i);
    const int layer = i / width;
    if (layer > 0) {
      const int lo = std::max(0, (layer - 3) * width), hi = layer * width;  // the previous three layers
      const int deps = 1 + static_cast<int>(rng.below(2));
      for (int d = 0; d < deps; ++d) {
        const std::string id = "v" + std::to_string(lo + static_cast<int>(rng.below(static_cast<std::uint64_t>(hi - lo))));
        if (std::find(s.deps.begin(), s.deps.end(), id) == s.deps.end()) s.deps.push_back(id);
      }
    }
    wf.subtasks.push_back(std::move(s));
  }
  add_synthetic_profiles(wf, stats, proofflow_tiers(), 0, rng);
  return wf;
}

std::vector<int> parse_sizes(const char* text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) out.push_back(std::max(1, std::atoi(part.c_str())));
  return out;
}

struct FirstDecision {
  double seconds;
  std::int64_t work;
  bool truncated;
  int candidates;
};

FirstDecision first_decision(const FlatWorkflow& flat, const std::string& preset) {
  McppPlanner planner(flat, mcpp_preset(preset));
  // Stop right after the first decision: a policy wrapper that records it.
  struct Once final : Policy {
    McppPlanner& p;
    explicit Once(McppPlanner& q) : p(q) {}
    std::string name() const override { return p.name(); }
    void reset() override { p.reset(); }
    void decide(const SimState& s, Rng& r, std::vector<Assignment>& out) override {
      if (p.decision_seconds().empty()) p.decide(s, r, out);
    }
  } once(planner);
  EpisodeConfig ec;
  ec.budget = nominal_budget(flat);
  ec.deadline_s = nominal_deadline_s(flat);
  Simulator(flat).run(once, ec);
  const auto& d = planner.last_decision();
  return {d.seconds, d.work, d.truncated, d.candidates};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes{16, 64, 128, 512};
  int dags = 3, episodes = 2, quality_work = 2000, pf_dags = 40;
  bool timing = true;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--no-timing")) timing = false;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--sizes")) sizes = parse_sizes(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dags")) dags = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--episodes")) episodes = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--quality-work")) quality_work = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--proofflow-dags")) pf_dags = std::max(0, std::atoi(argv[i + 1]));
  }
  const std::vector<RolloutStat> stats = read_rollout_stats(default_datasets_dir() + "/mcpp/example_rollout_stats.csv");
  const std::string quality_policy = "mcpp:best+work" + std::to_string(quality_work);

  std::printf("MCPP at scale: layered DAGs, ProofFlow tiers, synthetic profiles (MCPP rollout statistics), nominal budget/deadline\n");
  std::printf("default work budget %lld draws per decision; quality runs: %s\n\n",
              static_cast<long long>(McppConfig{}.work_budget), quality_policy.c_str());
  std::printf("%9s | %-8s %10s %10s %12s %9s | %-8s %10s %12s %9s | %8s %8s %8s %8s\n", "subtasks", "best", "median_s",
              "max_s", "median_work", "truncated", "faithful", "median_s", "median_work", "truncated", "mcpp", "greedy",
              "cheapest", "runs");
  for (int n : sizes) {
    std::vector<double> best_s, best_w, faith_s, faith_w;
    int best_cut = 0, faith_cut = 0;
    int ok_mcpp = 0, ok_greedy = 0, ok_cheapest = 0, runs = 0;
    for (int d = 0; d < dags; ++d) {
      Rng rng(derive_seed(20261201, static_cast<std::uint64_t>(n * 1000 + d)));
      const Workflow wf = layered_dag(n, stats, rng);
      const FlatWorkflow flat = FlatWorkflow::compile(wf);
      FirstDecision b{}, f{};
      if (timing) b = first_decision(flat, "best"), f = first_decision(flat, "faithful");
      best_s.push_back(b.seconds), best_w.push_back(static_cast<double>(b.work)), best_cut += b.truncated;
      faith_s.push_back(f.seconds), faith_w.push_back(static_cast<double>(f.work)), faith_cut += f.truncated;
      for (int e = 0; e < episodes; ++e) {
        EpisodeConfig ec;
        ec.budget = nominal_budget(flat);
        ec.deadline_s = nominal_deadline_s(flat);
        ec.seed = derive_seed(7, static_cast<std::uint64_t>(d * 100 + e));
        auto run = [&](const std::string& name) {
          auto p = make_policy(name, flat, ec.seed);
          return Simulator(flat).run(*p, ec).completed ? 1 : 0;
        };
        ok_mcpp += run(quality_policy);
        ok_greedy += run("greedy");
        ok_cheapest += run("cheapest");
        ++runs;
      }
    }
    std::printf("%9d | %-8s %10.3f %10.3f %12.3e %6d/%-2d | %-8s %10.3f %12.3e %6d/%-2d | %8.2f %8.2f %8.2f %8d\n", n, "",
                median(best_s), *std::max_element(best_s.begin(), best_s.end()), median(best_w), best_cut, dags, "",
                median(faith_s), median(faith_w), faith_cut, dags, static_cast<double>(ok_mcpp) / runs,
                static_cast<double>(ok_greedy) / runs, static_cast<double>(ok_cheapest) / runs, runs);
    std::fflush(stdout);
  }

  if (pf_dags > 0) {
    const Workload w = build_proofflow(WorkloadOptions{});
    for (const std::string preset : {"faithful", "best"}) {
      std::int64_t max_work = 0;
      int cut = 0, decisions = 0, count = 0;
      double max_s = 0;
      for (const auto& wf : w.workflows) {
        if (count++ >= pf_dags) break;
        const FlatWorkflow flat = FlatWorkflow::compile(wf);
        struct Watch final : Policy {
          McppPlanner p;
          std::int64_t max_work = 0;
          int cut = 0;
          double max_s = 0;
          Watch(const FlatWorkflow& f, const std::string& s) : p(f, mcpp_preset(s)) {}
          std::string name() const override { return p.name(); }
          void reset() override { p.reset(); }
          void decide(const SimState& s, Rng& r, std::vector<Assignment>& out) override {
            p.decide(s, r, out);
            max_work = std::max(max_work, p.last_decision().work);
            cut += p.last_decision().truncated ? 1 : 0;
            max_s = std::max(max_s, p.last_decision().seconds);
          }
        } watch(flat, preset);
        EpisodeConfig ec;
        ec.budget = nominal_budget(flat);
        ec.deadline_s = nominal_deadline_s(flat);
        decisions += Simulator(flat).run(watch, ec).decisions;
        max_work = std::max(max_work, watch.max_work);
        cut += watch.cut;
        max_s = std::max(max_s, watch.max_s);
      }
      std::printf("\nProofFlow (%d DAGs, one episode each, %s): %d decisions, largest work %.3e draws (%.1f%% of the "
                  "default budget), decisions cut by the budget: %d, slowest decision %.3f s\n",
                  std::min<int>(pf_dags, static_cast<int>(w.workflows.size())), preset.c_str(), decisions,
                  static_cast<double>(max_work), 100.0 * static_cast<double>(max_work) / static_cast<double>(McppConfig{}.work_budget),
                  cut, max_s);
    }
  }
  return 0;
}

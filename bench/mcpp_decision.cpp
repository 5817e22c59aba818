// MCPP decision time on ProofFlow states (issue 3's speed targets).
//
//   build/bench/bench_mcpp_decision [--repeats N] [--threads N] [--semantics reference|runtime]
//
// Case "one ready": the ProofFlow state with exactly one dispatchable subtask and
// the most work left (12 candidates x 12 continuations x 64 = 9 216 trajectories).
// Case "cap": a ProofFlow state with >= 4 dispatchable subtasks, so that candidate
// generation reaches the 2 048 cap (~1.57 M trajectories).
// Budget and deadline: the workflow's nominal values. Figures: median wall time of
// a decision over the repeats, trajectories/s and microseconds per trajectory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "plan/mcpp_planner.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "workloads/proofflow.hpp"

using namespace concord;

namespace {

struct Case {
  std::string label;
  FlatWorkflow flat;
  std::vector<SubtaskStatus> status;
  std::vector<int> dispatchable;
};

/// The first topological prefix whose ready set has the wanted size (smallest prefix = most work left).
bool find_state(const FlatWorkflow& f, bool exactly_one, Case& out) {
  const auto& topo = f.topological_order();
  for (std::size_t i = 0; i <= topo.size(); ++i) {
    std::vector<SubtaskStatus> st(static_cast<std::size_t>(f.num_subtasks()), SubtaskStatus::blocked);
    for (std::size_t j = 0; j < i; ++j) st[static_cast<std::size_t>(topo[j])] = SubtaskStatus::done;
    std::vector<int> ready;
    for (int s = 0; s < f.num_subtasks(); ++s) {
      if (st[static_cast<std::size_t>(s)] == SubtaskStatus::done) continue;
      bool ok = true;
      for (int p : f.parents(s)) ok = ok && st[static_cast<std::size_t>(p)] == SubtaskStatus::done;
      if (ok) ready.push_back(s);
    }
    if (ready.empty()) continue;
    if (exactly_one ? ready.size() == 1 : ready.size() >= 4) {
      for (int s : ready) st[static_cast<std::size_t>(s)] = SubtaskStatus::ready;
      out.status = st;
      out.dispatchable = ready;
      return f.num_subtasks() - static_cast<int>(i) >= (exactly_one ? 4 : 6);
    }
  }
  return false;
}

double run_case(const Case& c, int threads, int repeats, Semantics semantics, McppDecisionStats& stats) {
  McppConfig cfg;
  cfg.threads = threads;
  McppPlanner planner(c.flat, cfg);
  std::vector<int> attempts(c.status.size(), 0);
  SimState st;
  st.workflow = &c.flat;
  st.semantics = semantics;  // the rollout kernel follows the state's semantics
  st.budget = nominal_budget(c.flat);
  st.deadline_s = nominal_deadline_s(c.flat);
  st.status = c.status;
  st.attempts = attempts;
  st.dispatchable = c.dispatchable;
  std::vector<double> times;
  std::vector<Assignment> out;
  for (int r = 0; r < repeats + 1; ++r) {  // the first run warms caches and the TBB pool
    Rng rng(static_cast<std::uint64_t>(r + 1));
    out.clear();
    planner.decide(st, rng, out);
    if (r > 0) times.push_back(planner.last_decision().seconds);
  }
  stats = planner.last_decision();
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 9, max_threads = 2;
  Semantics semantics = Semantics::reference;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--semantics")) semantics = std::strcmp(argv[i + 1], "runtime") ? Semantics::reference : Semantics::runtime;
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--threads")) max_threads = std::max(1, std::atoi(argv[i + 1]));
  }
  const Workload w = build_proofflow(WorkloadOptions{});
  std::vector<Case> cases;
  for (bool one : {true, false}) {
    for (const auto& wf : w.workflows) {
      Case c{one ? "one ready" : "cap (>= 4 ready)", FlatWorkflow::compile(wf), {}, {}};
      if (find_state(c.flat, one, c)) {
        c.label += " [" + wf.name + ", " + std::to_string(c.flat.num_subtasks()) + " subtasks, " +
                   std::to_string(c.dispatchable.size()) + " ready]";
        cases.push_back(std::move(c));
        break;
      }
    }
  }
  std::printf("MCPP faithful mode (K = {1,4,16,64}, M = 64), %s semantics, ProofFlow synthetic profiles, nominal budget/deadline\n",
              semantics == Semantics::runtime ? "runtime" : "reference");
  std::printf("%-58s %7s %10s %12s %12s %14s %9s\n", "case", "threads", "candidates", "trajectories", "median_ms",
              "trajectories/s", "us/traj");
  for (const Case& c : cases) {
    for (int t = 1; t <= max_threads; ++t) {
      McppDecisionStats stats;
      const double sec = run_case(c, t, repeats, semantics, stats);
      std::printf("%-58s %7d %10d %12lld %12.3f %14.3e %9.3f\n", c.label.c_str(), t, stats.candidates,
                  static_cast<long long>(stats.trajectories), sec * 1e3, static_cast<double>(stats.trajectories) / sec,
                  sec * 1e6 / static_cast<double>(stats.trajectories));
    }
  }
  return 0;
}

// MCPP options against faithful mode on the same seeds (issue 3, item 3).
//
//   build/bench/bench_mcpp_options [--dags N] [--trials T] [--configs a,b,...] [--cells B:D,B:D,...]
//                                  [--semantics reference|runtime]
//
// A configuration is what mcpp_preset() accepts (plan/mcpp_config.hpp): "faithful", "best",
// then options joined by '+': crn, racing, k6, capN, MN (N rollouts per pair), defer, reuseN
// (re-use the N best continuations of the previous decision), refreshN; e.g. best+reuse3.
//
// Episodes: ProofFlow DAGs (synthetic profiles) x trials x grid cells (budget and
// deadline as ratios of the nominal values), reference semantics, the same episode
// seeds for every configuration. Per configuration: completion rate with a Wilson 95%
// interval, the paired difference to the FIRST configuration (episodes won/lost, with a
// 95% interval of the mean paired difference), and the mean decision time.
#include <tbb/parallel_for.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "plan/mcpp_planner.hpp"
#include "sim/episodes.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "workloads/proofflow.hpp"

using namespace concord;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int dags = 20, trials = 6;
  std::string configs = "faithful,crn,racing,crn+racing";
  std::string cells = "0.5:1,1:0.5,1:1";
  Semantics semantics = Semantics::reference;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dags")) dags = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--trials")) trials = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--configs")) configs = argv[i + 1];
    else if (!std::strcmp(argv[i], "--cells")) cells = argv[i + 1];
    else if (!std::strcmp(argv[i], "--semantics")) semantics = std::strcmp(argv[i + 1], "runtime") ? Semantics::reference : Semantics::runtime;
  }
  const Workload w = build_proofflow(WorkloadOptions{});
  std::vector<FlatWorkflow> flats;
  for (int d = 0; d < dags && d < static_cast<int>(w.workflows.size()); ++d) flats.push_back(FlatWorkflow::compile(w.workflows[d]));
  const auto names = split(configs, ',');
  std::vector<std::pair<double, double>> grid;
  for (const auto& c : split(cells, ',')) {
    const auto bd = split(c, ':');
    grid.emplace_back(std::stod(bd.at(0)), std::stod(bd.at(1)));
  }
  const std::size_t per_config = flats.size() * static_cast<std::size_t>(trials) * grid.size();
  // outcome[config][episode], decision seconds summed per config.
  std::vector<std::vector<char>> outcome(names.size(), std::vector<char>(per_config, 0));
  std::vector<std::vector<double>> dsec(names.size(), std::vector<double>(per_config, 0));
  std::vector<std::vector<int>> dcount(names.size(), std::vector<int>(per_config, 0));
  std::printf("MCPP options vs the first configuration (%s): %zu ProofFlow DAGs x %d trials x %zu cells (budget:deadline ratios %s), "
              "%s semantics, same seeds\n",
              names.front().c_str(), flats.size(), trials, grid.size(), cells.c_str(), std::string(to_string(semantics)).c_str());
  std::printf("%-22s %10s %18s %12s %26s %14s\n", "config", "completed", "wilson95", "won/lost", "paired diff [95% CI]",
              "ms/decision");
  for (std::size_t c = 0; c < names.size(); ++c) {
    const McppConfig cfg = mcpp_preset(names[c]);
    tbb::parallel_for(std::size_t{0}, per_config, [&](std::size_t e) {
      const std::size_t cell = e % grid.size();
      const std::size_t rest = e / grid.size();
      const std::size_t trial = rest % static_cast<std::size_t>(trials);
      const std::size_t dag = rest / static_cast<std::size_t>(trials);
      const FlatWorkflow& f = flats[dag];
      McppConfig pc = cfg;
      pc.threads = 1;  // parallel over episodes instead
      McppPlanner planner(f, pc);
      Simulator sim(f);
      EpisodeConfig ec;
      ec.semantics = semantics;
      ec.budget = static_cast<Money>(static_cast<double>(nominal_budget(f)) * grid[cell].first);
      ec.deadline_s = nominal_deadline_s(f) * grid[cell].second;
      ec.seed = derive_seed(derive_seed(42, dag), trial * 1000 + cell);
      const EpisodeResult r = sim.run(planner, ec);
      outcome[c][e] = r.completed ? 1 : 0;
      for (double s : planner.decision_seconds()) dsec[c][e] += s;
      dcount[c][e] = static_cast<int>(planner.decision_seconds().size());
    });
    {
    int ok = 0, wins = 0, losses = 0, decisions = 0;
    double secs = 0;
    for (std::size_t e = 0; e < per_config; ++e) {
      ok += outcome[c][e];
      wins += outcome[c][e] && !outcome[0][e];
      losses += !outcome[c][e] && outcome[0][e];
      secs += dsec[c][e];
      decisions += dcount[c][e];
    }
    const auto p = wilson_interval(ok, static_cast<int>(per_config));
    const double n = static_cast<double>(per_config);
    const double mean = (wins - losses) / n;
    const double var = ((wins + losses) / n - mean * mean) / n;
    std::printf("%-22s %10.4f   [%.4f, %.4f] %+5d/%-5d %+10.4f [%+.4f, %+.4f] %14.3f\n", names[c].c_str(), p.rate(), p.lower,
                p.upper, wins, losses, mean, mean - 1.96 * std::sqrt(var), mean + 1.96 * std::sqrt(var),
                decisions ? 1e3 * secs / decisions : 0.0);
      }
    std::fflush(stdout);
  }
  return 0;
}

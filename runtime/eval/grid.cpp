#include "eval/grid.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "model/input_error.hpp"
#include "plan/mcpp_planner.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"

namespace concord::bench {

BenchWorkflow make_bench_workflow(const std::string& name, const FlatWorkflow& flat) {
  BenchWorkflow w;
  w.name = name;
  w.flat = flat;
  w.nominal_budget = nominal_budget(flat);
  w.nominal_deadline_s = nominal_deadline_s(flat);
  return w;
}

std::uint64_t trial_seed(std::uint64_t seed, std::size_t workflow, int trial) {
  return derive_seed(derive_seed(seed, workflow), static_cast<std::uint64_t>(trial));
}
std::uint64_t mcpp_seed(std::uint64_t ts) { return derive_seed(ts, 0x4D435050ull); }      // "MCPP"
std::uint64_t dirichlet_seed(std::uint64_t ts) { return derive_seed(ts, 0x44495249ull); }  // "DIRI"

Money budget_for(const Axis& axis, std::size_t i, const BenchWorkflow& wf) {
  const double v = axis.values[i];
  if (!axis.ratio) return money_from_dollars(v);
  return static_cast<Money>(std::llround(v * static_cast<double>(wf.nominal_budget)));
}

double deadline_for(const Axis& axis, std::size_t i, const BenchWorkflow& wf) {
  const double v = axis.values[i];
  return axis.ratio ? v * wf.nominal_deadline_s : v;
}

TimingStats timing_stats(std::vector<double>& values) {
  TimingStats t;
  t.count = static_cast<std::int64_t>(values.size());
  if (values.empty()) return t;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  t.mean_s = sum / static_cast<double>(values.size());
  auto rank = [&](double q) {  // nearest rank: the ceil(q n)-th smallest
    const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(k, 1, values.size()) - 1];
  };
  t.p50_s = rank(0.50);
  t.p95_s = rank(0.95);
  t.max_s = values.back();
  return t;
}

double Cell::gain() const {
  if (!has_mcpp || best_baseline < 0) return 0.0;
  return mcpp.rate() - baselines[static_cast<std::size_t>(best_baseline)].p.rate();
}

void pick_best(Cell& cell, std::size_t num_specs, std::size_t num_models) {
  cell.best_baseline = -1;
  cell.best_model_of.assign(num_specs, -1);
  for (std::size_t b = 0; b < num_specs; ++b)
    for (std::size_t m = 0; m < num_models; ++m) {
      const int i = static_cast<int>(b * num_models + m);
      const auto& p = cell.baselines[static_cast<std::size_t>(i)].p;
      int& best_m = cell.best_model_of[b];
      if (best_m < 0 || p.successes > cell.baselines[static_cast<std::size_t>(best_m)].p.successes) best_m = i;
      if (cell.best_baseline < 0 || p.successes > cell.baselines[static_cast<std::size_t>(cell.best_baseline)].p.successes)
        cell.best_baseline = i;
    }
}

namespace {

/// Models (ids) that can run every subtask of every workflow, in the first workflow's order.
std::vector<std::string> common_models(const std::vector<BenchWorkflow>& wfs) {
  std::vector<std::string> out;
  if (wfs.empty()) return out;
  const FlatWorkflow& first = wfs.front().flat;
  for (int m = 0; m < first.num_models(); ++m) {
    const std::string& id = first.model_id(m);
    bool ok = true;
    for (const auto& w : wfs) {
      const int k = w.flat.model_index(id);
      if (k < 0 || !model_runs_all(w.flat, k)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(id);
  }
  return out;
}

}  // namespace

BenchResult run_bench(const std::vector<BenchWorkflow>& workflows, const BenchConfig& config) {
  const auto t0 = std::chrono::steady_clock::now();
  BenchResult res;
  res.budgets = config.budgets;
  res.deadlines = config.deadlines;
  res.trials_per_workflow = config.trials;
  res.trials_per_cell = static_cast<int>(workflows.size()) * config.trials;
  for (const auto& w : workflows) res.workflows.push_back(w.name);
  if (!config.baselines.empty()) {
    res.models = common_models(workflows);
    if (res.models.empty() && !workflows.empty())
      throw InputError("--methods", "", "baselines need one model that runs every subtask of every workflow; there is none");
  }

  const std::size_t nb = config.budgets.values.size(), nd = config.deadlines.values.size();
  const std::size_t nspec = config.baselines.size(), nmodel = res.models.size();
  const std::size_t nbase = nspec * nmodel;
  const std::size_t ncell = nb * nd;
  const std::size_t ntask = workflows.size() * static_cast<std::size_t>(std::max(config.trials, 0));

  // Per task: success flags [cell][method] with method 0 = MCPP, 1 + i = baseline i;
  // and MCPP decision times per cell.
  const std::size_t nmethod = 1 + nbase;
  std::vector<std::uint8_t> success(ntask * ncell * nmethod, 0);
  std::vector<std::vector<std::vector<double>>> times(ntask);

  std::mutex progress_mutex;
  std::size_t done = 0;

  auto run_task = [&](std::size_t task) {
    const std::size_t wi = task / static_cast<std::size_t>(config.trials);
    const int trial = static_cast<int>(task % static_cast<std::size_t>(config.trials));
    const BenchWorkflow& w = workflows[wi];
    const std::uint64_t ts = trial_seed(config.seed, wi, trial);
    Simulator sim(w.flat);
    EpisodeResult ep;
    std::uint8_t* flags = success.data() + task * ncell * nmethod;

    if (config.run_mcpp) {
      McppConfig mc = config.mcpp;
      mc.seed = mcpp_seed(ts);
      McppPlanner planner(w.flat, mc);
      auto& tv = times[task];
      tv.resize(ncell);
      for (std::size_t b = 0; b < nb; ++b)
        for (std::size_t d = 0; d < nd; ++d) {
          EpisodeConfig ec;
          ec.semantics = Semantics::reference;
          ec.atomic_launch = true;
          ec.budget = budget_for(config.budgets, b, w);
          ec.deadline_s = deadline_for(config.deadlines, d, w);
          ec.seed = ts;
          sim.run(planner, ec, ep);
          flags[(b * nd + d) * nmethod] = ep.completed ? 1 : 0;
          tv[b * nd + d] = planner.decision_seconds();
        }
    }
    for (std::size_t s = 0; s < nspec; ++s)
      for (std::size_t m = 0; m < nmodel; ++m) {
        const int model = w.flat.model_index(res.models[m]);
        for (std::size_t b = 0; b < nb; ++b) {
          const Money budget = budget_for(config.budgets, b, w);
          BaselinePolicy policy(w.flat, config.baselines[s], model, budget, dirichlet_seed(ts));
          EpisodeConfig ec;
          ec.semantics = Semantics::reference;
          ec.atomic_launch = false;
          ec.budget = budget;
          ec.deadline_s = std::numeric_limits<double>::infinity();
          ec.seed = ts;
          sim.run(policy, ec, ep);
          for (std::size_t d = 0; d < nd; ++d) {
            const bool ok = ep.completed && ep.makespan_s <= deadline_for(config.deadlines, d, w);
            flags[(b * nd + d) * nmethod + 1 + s * nmodel + m] = ok ? 1 : 0;
          }
        }
      }
    if (config.progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      config.progress(++done, ntask);
    }
  };

  {
    std::unique_ptr<tbb::global_control> limit;
    if (config.threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(config.threads));
    tbb::parallel_for(std::size_t{0}, ntask, [&](std::size_t task) { run_task(task); });
  }

  // Sequential aggregation.
  std::vector<double> all_times;
  res.cells.resize(ncell);
  for (std::size_t b = 0; b < nb; ++b)
    for (std::size_t d = 0; d < nd; ++d) {
      const std::size_t c = b * nd + d;
      Cell& cell = res.cells[c];
      cell.budget_index = b;
      cell.deadline_index = d;
      std::vector<int> wins(nmethod, 0);
      std::vector<double> cell_times;
      if (config.run_mcpp) cell.mcpp_by_workflow.assign(workflows.size(), 0);
      for (std::size_t t = 0; t < ntask; ++t) {
        const std::uint8_t* flags = success.data() + (t * ncell + c) * nmethod;
        for (std::size_t k = 0; k < nmethod; ++k) wins[k] += flags[k];
        if (config.run_mcpp) cell.mcpp_by_workflow[t / static_cast<std::size_t>(config.trials)] += flags[0];
        if (config.run_mcpp) cell_times.insert(cell_times.end(), times[t][c].begin(), times[t][c].end());
      }
      const int n = static_cast<int>(ntask);
      if (config.run_mcpp) {
        cell.has_mcpp = true;
        cell.mcpp = wilson_interval(wins[0], n);
        all_times.insert(all_times.end(), cell_times.begin(), cell_times.end());
        cell.mcpp_decisions = timing_stats(cell_times);
      }
      for (std::size_t s = 0; s < nspec; ++s)
        for (std::size_t m = 0; m < nmodel; ++m)
          cell.baselines.push_back({config.baselines[s], res.models[m], wilson_interval(wins[1 + s * nmodel + m], n)});
      if (nbase > 0) pick_best(cell, nspec, nmodel);
    }
  res.mcpp_decisions = timing_stats(all_times);
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace concord::bench

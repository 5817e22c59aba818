#include "cli/bench_calibration_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/number_options.hpp"
#include "learn/calibration.hpp"
#include "model/input_error.hpp"
#include "plan/mcpp_config.hpp"
#include "plot/chart.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/datasets.hpp"
#include "workloads/proofflow.hpp"

namespace concord::cli {

namespace {

struct Options {
  std::string datasets;
  std::string out = "out/calibration";
  std::uint64_t seed = 1;
  int runs = 50;        // per workflow
  int workflows = 20;   // half ProofFlow, half CodeFlow
  int threads = 0;
  int after = 25;       // "after learning": runs with index > after
  int max_subtasks = 12;
  int truth_samples = 0;
  int promise_rollouts = 1024;
  int posterior_sets = 64;
  std::string planner = "best";
  bool no_learning = false;
};

std::ofstream open_out(const std::string& path) {
  std::ofstream f(path);
  if (!f) throw InputError(path, "", "cannot open file for writing");
  return f;
}

/// Student t quantile (two-sided 95 %) for nu degrees of freedom (Cornish-Fisher, < 1e-3 off for nu >= 3).
double t975(double nu) {
  const double z = 1.959963984540054;
  if (nu <= 0) return INFINITY;
  const double z3 = z * z * z, z5 = z3 * z * z;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu);
}

/// The workflows: the first ProofFlow DAGs with at most max_subtasks subtasks and the first CodeFlow
/// problems with at least 2 subtasks, in dataset order (half each; ProofFlow gets the odd one).
std::vector<Workflow> pick_workflows(const Options& o, const std::string& dir) {
  WorkloadOptions wo;
  wo.datasets_dir = dir;
  wo.seed = o.seed;
  wo.samples_per_profile = o.truth_samples;
  const int n_proof = (o.workflows + 1) / 2, n_code = o.workflows / 2;
  std::vector<Workflow> out;
  if (n_proof > 0) {
    const Workload p = build_proofflow(wo);
    for (const Workflow& w : p.workflows)
      if (static_cast<int>(out.size()) < n_proof && static_cast<int>(w.subtasks.size()) <= o.max_subtasks) out.push_back(w);
  }
  if (n_code > 0) {
    const Workload c = build_codeflow(wo);
    int taken = 0;
    for (const Workflow& w : c.workflows)
      if (taken < n_code && w.subtasks.size() >= 2) out.push_back(w), ++taken;
  }
  return out;
}

struct Subset {
  std::string name;
  std::vector<std::pair<double, bool>> points;
};

void print_reliability(const Subset& s, std::ostream& csv) {
  const auto bins = learn::reliability(s.points, 10);
  const double ece = learn::expected_calibration_error(bins);
  const auto n = static_cast<std::int64_t>(s.points.size());
  std::cout << fmt::format("\n{} ({} runs):\n", s.name, n);
  std::cout << fmt::format("  {:>11} {:>6} {:>10} {:>9}  {:<17}\n", "predicted", "runs", "mean pred", "realized",
                           "Wilson 95 %");
  for (const auto& b : bins) {
    if (b.count == 0) {
      std::cout << fmt::format("  [{:.1f}, {:.1f}{} {:>6}\n", b.lo, b.hi, b.hi >= 1 ? "]" : ")", 0);
    } else {
      std::cout << fmt::format("  [{:.1f}, {:.1f}{} {:>6} {:>10.3f} {:>9.3f}  [{:.3f}, {:.3f}]\n", b.lo, b.hi,
                               b.hi >= 1 ? "]" : ")", b.count, b.mean_predicted, b.realized, b.ci_lo, b.ci_hi);
    }
    csv << fmt::format("\"{}\",{:.1f},{:.1f},{},{:.6f},{:.6f},{:.6f},{:.6f}\n", s.name, b.lo, b.hi, b.count,
                       b.mean_predicted, b.realized, b.ci_lo, b.ci_hi);
  }
  std::int64_t hits = 0;
  double pred = 0;
  for (const auto& [p, ok] : s.points) {
    hits += ok ? 1 : 0;
    pred += p;
  }
  const auto [lo, hi] = learn::wilson95(hits, n);
  const auto [null_mean, null_q95] = learn::ece_if_calibrated(s.points, 10, 400, 0xca1b);
  std::cout << fmt::format(
      "  ECE {:.4f}; a perfectly calibrated predictor making these predictions would show ECE {:.4f} on average,\n"
      "  below {:.4f} in 95 % of replicates (sampling noise at this size); distribution-free bound {:.4f}.\n"
      "  mean predicted {:.3f}, realized {:.3f} [{:.3f}, {:.3f}]\n",
      ece, null_mean, null_q95, learn::ece_noise_bound(n, 10, 0.05), n ? pred / static_cast<double>(n) : 0.0,
      n ? static_cast<double>(hits) / static_cast<double>(n) : 0.0, lo, hi);
}

int execute(const Options& o) {
  const std::string dir = o.datasets.empty() ? default_datasets_dir() : o.datasets;
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) throw InputError(o.out, "--out", "cannot create the output folder: " + ec.message());
  try {
    (void)mcpp_preset(o.planner);
  } catch (const std::invalid_argument& e) {
    throw InputError("command line", "--planner", e.what());
  }
  const std::vector<Workflow> wfs = pick_workflows(o, dir);
  if (wfs.empty()) throw InputError("command line", "--workflows", "no workflow matches (--max-subtasks too small?)");
  learn::CalibrationConfig cfg;
  cfg.runs_per_workflow = o.runs;
  cfg.seed = o.seed;
  cfg.planner = o.planner;
  cfg.threads = o.threads;
  cfg.promise_rollouts = o.promise_rollouts;
  cfg.posterior_sets = o.posterior_sets;
  cfg.learn = !o.no_learning;

  std::cout << fmt::format(
      "concord bench calibration: {} workflows x {} runs = {} runs (seed {}), runtime semantics, planner mcpp:{} "
      "(learner and oracle),\npromise = {} fresh rollouts of the chosen action at the first decision; learner: {} "
      "parameter sets drawn from the posterior per run, starting from the default per-model priors{}.\n",
      wfs.size(), o.runs, wfs.size() * static_cast<std::size_t>(o.runs), o.seed, o.planner, o.promise_rollouts,
      o.posterior_sets, o.no_learning ? " and NEVER updated (--no-learning)" : "");
  std::cout << "workflows:";
  for (const auto& w : wfs) std::cout << ' ' << w.name << '(' << w.subtasks.size() << ')';
  std::cout << "\n" << std::flush;
  const auto t0 = std::chrono::steady_clock::now();
  const auto runs = learn::run_calibration(wfs, cfg, [&](int d, int n) {
    std::cerr << fmt::format("\r  run {}/{} of every workflow done", d, n) << std::flush;
  });
  std::cerr << "\n";
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  auto rcsv = open_out(o.out + "/calibration_runs.csv");
  rcsv << "workflow,name,run,budget_x,deadline_x,predicted,calibrated,completed,oracle_predicted,oracle_completed,samples_learned\n";
  for (const auto& r : runs)
    rcsv << fmt::format("{},{},{},{},{},{:.6f},{:.6f},{},{:.6f},{},{}\n", r.workflow, wfs[static_cast<std::size_t>(r.workflow)].name,
                        r.run + 1, r.budget_x, r.deadline_x, r.predicted, r.calibrated, r.completed ? 1 : 0, r.oracle_predicted,
                        r.oracle_completed ? 1 : 0, r.samples_learned);

  Subset all{"learner, raw promise, all runs", {}},
      late{fmt::format("learner, raw promise, runs {}..{} (after learning)", o.after + 1, o.runs), {}},
      early{fmt::format("learner, raw promise, runs 1..{}", std::min(o.after, o.runs)), {}},
      call{"learner, calibrated promise, all runs", {}},
      clate{fmt::format("learner, calibrated promise, runs {}..{} (after learning)", o.after + 1, o.runs), {}},
      orc{"oracle (true profiles), raw promise, all runs", {}};
  for (const auto& r : runs) {
    all.points.emplace_back(r.predicted, r.completed);
    call.points.emplace_back(r.calibrated, r.completed);
    (r.run >= o.after ? late : early).points.emplace_back(r.predicted, r.completed);
    if (r.run >= o.after) clate.points.emplace_back(r.calibrated, r.completed);
    orc.points.emplace_back(r.oracle_predicted, r.oracle_completed);
  }
  auto bcsv = open_out(o.out + "/calibration_reliability.csv");
  bcsv << "subset,lo,hi,count,mean_predicted,realized,wilson_lo,wilson_hi\n";
  std::cout << "\n== Reliability: predicted completion probability at the first decision vs realized ==";
  for (const Subset* s : {&clate, &late, &call, &all, &early, &orc})
    if (!s->points.empty()) print_reliability(*s, bcsv);

  // Completion by run index: learner vs oracle, paired (same episode seeds, budget, deadline);
  // the 95 % interval of the difference treats workflows as the independent units (runs of one
  // workflow are correlated): t over the per-workflow mean differences.
  std::vector<std::pair<int, int>> windows;
  for (auto [a, b] : std::vector<std::pair<int, int>>{{1, 5}, {6, 10}, {11, 25}, {26, 50}, {51, 100}, {101, 1000000}})
    if (a <= o.runs) windows.emplace_back(a, std::min(b, o.runs));
  auto lcsv = open_out(o.out + "/calibration_learning.csv");
  lcsv << "runs_from,runs_to,episodes,learner,oracle,diff,diff_ci_lo,diff_ci_hi,learner_predicted,learner_ece,learner_calibrated_ece\n";
  std::cout << "\n== Completion by run index: learner vs oracle (same seeds, budget, deadline) ==\n";
  std::cout << fmt::format("  {:>9} {:>8} {:>8} {:>8} {:>8} {:>21} {:>9} {:>7} {:>8}\n", "runs", "episodes", "learner", "oracle",
                           "diff", "95 % CI (by workflow)", "mean pred", "ECE raw", "ECE cal.");
  const auto nw = static_cast<int>(wfs.size());
  for (auto [a, b] : windows) {
    std::vector<double> per_wf(static_cast<std::size_t>(nw), 0.0);
    std::vector<int> per_n(static_cast<std::size_t>(nw), 0);
    std::int64_t n = 0, lk = 0, ok = 0;
    double pred = 0;
    std::vector<std::pair<double, bool>> pts, cpts;
    for (const auto& r : runs) {
      if (r.run + 1 < a || r.run + 1 > b) continue;
      ++n;
      lk += r.completed;
      ok += r.oracle_completed;
      pred += r.predicted;
      pts.emplace_back(r.predicted, r.completed);
      cpts.emplace_back(r.calibrated, r.completed);
      per_wf[static_cast<std::size_t>(r.workflow)] += static_cast<double>(r.completed) - static_cast<double>(r.oracle_completed);
      ++per_n[static_cast<std::size_t>(r.workflow)];
    }
    double mean = 0, var = 0;
    int k = 0;
    for (int w = 0; w < nw; ++w)
      if (per_n[static_cast<std::size_t>(w)] > 0) mean += per_wf[static_cast<std::size_t>(w)] / per_n[static_cast<std::size_t>(w)], ++k;
    mean /= std::max(1, k);
    for (int w = 0; w < nw; ++w)
      if (per_n[static_cast<std::size_t>(w)] > 0) {
        const double d = per_wf[static_cast<std::size_t>(w)] / per_n[static_cast<std::size_t>(w)] - mean;
        var += d * d;
      }
    const double se = k > 1 ? std::sqrt(var / (k - 1) / k) : INFINITY;
    const double half = t975(k - 1) * se;
    const double ece = learn::expected_calibration_error(learn::reliability(pts, 10));
    const double cece = learn::expected_calibration_error(learn::reliability(cpts, 10));
    const double lr = static_cast<double>(lk) / static_cast<double>(n), orr = static_cast<double>(ok) / static_cast<double>(n);
    std::cout << fmt::format("  {:>4}..{:<4} {:>8} {:>8.3f} {:>8.3f} {:>+8.3f}     [{:+.3f}, {:+.3f}] {:>9.3f} {:>7.3f} {:>8.3f}\n",
                             a, b, n, lr, orr, mean, mean - half, mean + half, pred / static_cast<double>(n), ece, cece);
    lcsv << fmt::format("{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}\n", a, b, n, lr, orr, mean, mean - half,
                        mean + half, pred / static_cast<double>(n), ece, cece);
  }
  std::cout << "  (diff = mean over workflows of (learner - oracle) completion in the window; ECE of the window's runs,\n"
               "   noisy on few runs)\n";

  // Reliability diagram.
  plot::LineChart chart{fmt::format("Calibration of the promise ({} workflows x {} runs)", wfs.size(), o.runs),
                        "predicted completion probability (first decision)", "realized completion rate", {}, true};
  chart.series.push_back({"perfect calibration", {0, 1}, {0, 1}});
  for (const Subset* s : {&clate, &late, &orc}) {
    if (s->points.empty()) continue;
    plot::Series sr;
    const auto bins = learn::reliability(s->points, 10);
    sr.label = fmt::format("{} (ECE {:.3f})", s->name, learn::expected_calibration_error(bins));
    for (const auto& b : bins)
      if (b.count > 0) sr.x.push_back(b.mean_predicted), sr.y.push_back(b.realized);
    chart.series.push_back(std::move(sr));
  }
  plot::write_line_chart_png(chart, o.out + "/calibration_reliability.png");
  std::cout << fmt::format("\n{1:.1f} s. wrote {0}/calibration_runs.csv, {0}/calibration_reliability.csv, "
                           "{0}/calibration_learning.csv, {0}/calibration_reliability.png\n",
                           o.out, secs);
  return kExitOk;
}

}  // namespace

void add_bench_calibration_command(CLI::App& bench, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = bench.add_subcommand(
      "calibration", "Calibrated promise and learned profiles: reliability, ECE, learner vs true-profile planner (docs/learning.md)");
  cmd->footer(
      "Simulates --workflows workflows (half the first ProofFlow DAGs with at most --max-subtasks subtasks, half the\n"
      "first CodeFlow problems with >= 2 subtasks, synthetic profiles by --seed) --runs times each, under runtime\n"
      "semantics. Their true profiles are hidden from a learning MCPP planner, which starts from the default per-model\n"
      "priors, learns from every settled sample across the runs of a workflow and plans with parameters drawn from\n"
      "its posterior; at each run's first decision it states its predicted completion probability. An oracle planner\n"
      "(same configuration, true profiles) runs the same episodes. Budget and deadline cycle over the grids of\n"
      "docs/mcpp.md (x the nominal values). Deterministic by --seed, whatever --threads.\n\n"
      "Exit codes: 0 ok; 2 bad input (command line, unreadable or invalid dataset file); 3 internal error.");
  cmd->add_option("--datasets", o->datasets, "Datasets folder")->default_str("$CONCORD_DATASETS or ../shared/datasets");
  cmd->add_option("--out", o->out, "Output folder for CSV and PNG files")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (same seed, same results)")->transform(unsigned64())->capture_default_str();
  cmd->add_option("--runs", o->runs, "Runs per workflow (the posterior persists across them)")
      ->transform(integer_in(1, 100000))
      ->capture_default_str();
  cmd->add_option("--workflows", o->workflows, "Workflows (half ProofFlow, half CodeFlow)")
      ->transform(integer_in(1, 300))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads (0: all cores; results do not depend on it)")
      ->transform(integer_in(0, 1024))
      ->capture_default_str();
  cmd->add_option("--after", o->after, "Runs of a workflow counted as learning; the 'after learning' table uses the rest")
      ->transform(integer_in(0, 100000))
      ->capture_default_str();
  cmd->add_option("--max-subtasks", o->max_subtasks, "Largest ProofFlow DAG taken (subtasks)")
      ->transform(integer_in(1, 64))
      ->capture_default_str();
  cmd->add_option("--truth-samples", o->truth_samples,
                  "Recorded samples per true profile (0: the true profiles are parametric, the learner's model family)")
      ->transform(integer_in(0, 10000))
      ->capture_default_str();
  cmd->add_option("--promise-rollouts", o->promise_rollouts, "Fresh rollouts that estimate the promise")
      ->transform(integer_in(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--posterior-sets", o->posterior_sets, "Parameter sets drawn from the posterior per run (0: plan with the posterior mean)")
      ->transform(integer_in(0, 4096))
      ->capture_default_str();
  cmd->add_option("--planner", o->planner, "MCPP configuration of both planners (a --preset spec)")->capture_default_str();
  cmd->add_flag("--no-learning", o->no_learning, "Control: the learner never updates its priors");
  cmd->callback([o, &exit_code] { exit_code = execute(*o); });
}

}  // namespace concord::cli

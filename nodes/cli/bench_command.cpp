#include "cli/bench_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "eval/grid.hpp"
#include "eval/report.hpp"
#include "cli/bench_contention_command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/number_options.hpp"
#include "cli/printable.hpp"
#include "cli/load_workflow.hpp"
#include "model/dag_pool.hpp"
#include "model/input_error.hpp"
#include "model/limits.hpp"
#include "plan/mcpp_config.hpp"
#include "plot/chart.hpp"
#include "sim/flat_workflow.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/proofflow.hpp"

namespace concord::cli {

namespace {

struct BenchOptions {
  std::string workload;
  int dags = 10;
  int trials = 100;
  std::vector<double> budgets, budget_ratios, deadlines, deadline_ratios;
  std::uint64_t seed = 1;
  std::string out = "out/bench";
  std::string methods = "all";
  int threads = 0;
  std::string preset = "faithful";
  bool progress = false;
  std::string datasets_dir;
  std::optional<std::string> prices_file;
};

/// The MCPP configuration of a preset name (plan/mcpp_config.hpp).
McppConfig preset_config(const std::string& name) {
  try {
    return mcpp_preset(name);
  } catch (const std::invalid_argument& e) {
    throw InputError("--preset", "", e.what());
  }
}

std::string preset_names() {
  std::string out;
  for (const auto& n : mcpp_preset_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

struct Methods {
  bool mcpp = false;
  std::vector<BaselineSpec> baselines;
};

Methods parse_methods(const std::string& text) {
  Methods m;
  auto add = [&](const BaselineSpec& b) {
    if (std::find(m.baselines.begin(), m.baselines.end(), b) == m.baselines.end()) m.baselines.push_back(b);
  };
  std::stringstream ss(text);
  std::string tok;
  bool any = false;
  while (std::getline(ss, tok, ',')) {
    if (tok.empty()) continue;
    any = true;
    if (tok == "all") {
      m.mcpp = true;
      for (const auto& b : all_baselines()) add(b);
    } else if (tok == "mcpp") {
      m.mcpp = true;
    } else if (tok == "baselines") {
      for (const auto& b : all_baselines()) add(b);
    } else if (tok == "seq") {
      for (const auto& b : all_baselines())
        if (!b.is_static()) add(b);
    } else if (tok == "static") {
      for (const auto& b : all_baselines())
        if (b.is_static()) add(b);
    } else if (auto b = baseline_by_name(tok)) {
      add(*b);
    } else {
      std::string names;
      for (const auto& b : all_baselines()) names += ", " + b.name();
      throw InputError("--methods", "", fmt::format("unknown method \"{}\" (expected all, mcpp, baselines, seq, static{})", tok, names));
    }
  }
  if (!any) throw InputError("--methods", "", "no method given");
  // Keep the reference's baseline order whatever the order on the command line.
  std::vector<BaselineSpec> ordered;
  for (const auto& b : all_baselines())
    if (std::find(m.baselines.begin(), m.baselines.end(), b) != m.baselines.end()) ordered.push_back(b);
  m.baselines = ordered;
  return m;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct LoadedWorkload {
  std::vector<Workflow> workflows;
  std::string provenance;
};

LoadedWorkload load_workload(const BenchOptions& o) {
  LoadedWorkload lw;
  if (o.workload == "proofflow" || o.workload == "codeflow") {
    WorkloadOptions wo;
    if (!o.datasets_dir.empty()) wo.datasets_dir = o.datasets_dir;
    Workload w = o.workload == "proofflow" ? build_proofflow(wo) : build_codeflow(wo);
    lw.provenance = w.profile_source;
    lw.workflows = std::move(w.workflows);
  } else if (ends_with(o.workload, ".jsonl")) {
    const PriceTable prices = o.prices_file ? read_price_table_file(*o.prices_file) : paper_price_table();
    lw.workflows = read_dag_pool_file(o.workload, prices);
  } else if (ends_with(o.workload, ".json")) {
    LoadOptions lo;
    lw.workflows.push_back(load_workflow(o.workload, lo));
  } else {
    throw InputError(o.workload, "", "unknown workload: expected proofflow, codeflow, a DAG-pool FILE.jsonl or a workflow FILE.json");
  }
  if (lw.workflows.empty()) throw InputError(o.workload, "", "holds no runnable workflow");
  if (o.dags > 0 && static_cast<std::size_t>(o.dags) < lw.workflows.size()) lw.workflows.resize(static_cast<std::size_t>(o.dags));
  if (lw.provenance.empty()) {
    lw.provenance = lw.workflows.front().profile_source;
    if (lw.provenance.empty()) lw.provenance = "profiles as given in " + o.workload;
  }
  return lw;
}

bench::Axis make_axis(const std::vector<double>& absolute, const std::vector<double>& ratios,
                      const std::vector<double>& default_ratios, const char* abs_flag, const char* ratio_flag,
                      double max_abs) {
  bench::Axis a;
  a.ratio = absolute.empty();
  a.values = a.ratio ? ratios : absolute;
  if (a.ratio && a.values.empty()) a.values = default_ratios;
  const char* flag = a.ratio ? ratio_flag : abs_flag;
  for (double v : a.values)
    if (!std::isfinite(v) || v <= 0 || v > max_abs)
      throw InputError(flag, "", fmt::format("{}: every value must be a positive number at most {}", v, readable(max_abs)));
  return a;
}

/// A one-line progress bar on stderr: "[#####.....] 12/40 (workflow, trial) runs, 3.1 s".
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  void update(std::size_t done, std::size_t total) {
    if (!enabled_ || total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const int width = 30;
    const int fill = static_cast<int>(static_cast<double>(done) / static_cast<double>(total) * width);
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::cerr << fmt::format("\r[{}{}] {}/{} (workflow, trial) runs, {:.1f} s", std::string(fill, '#'),
                             std::string(width - fill, '.'), done, total, secs)
              << (done == total ? "\n" : "") << std::flush;
  }

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_{};
};

std::string ms(double s) { return fmt::format("{:.3f} ms", s * 1e3); }

void write_charts(const bench::BenchResult& r, const std::string& label, bool synthetic, const std::string& dir,
                  std::vector<std::string>& written) {
  const std::size_t nb = r.budgets.values.size(), nd = r.deadlines.values.size();
  const bool has_mcpp = !r.cells.empty() && r.cells.front().has_mcpp;
  const bool has_base = !r.cells.empty() && r.cells.front().best_baseline >= 0;
  plot::Heatmap base;
  base.x_label = r.deadlines.ratio ? "deadline (x nominal)" : "deadline (s)";
  base.y_label = r.budgets.ratio ? "budget (x nominal)" : "budget (USD)";
  for (std::size_t d = 0; d < nd; ++d) base.x_ticks.push_back(bench::deadline_label(r.deadlines, d));
  // Largest budget at the top.
  for (std::size_t b = nb; b-- > 0;) base.y_ticks.push_back(bench::budget_label(r.budgets, b));
  auto grid = [&](auto value) {
    std::vector<std::vector<double>> v;
    for (std::size_t b = nb; b-- > 0;) {
      v.emplace_back();
      for (std::size_t d = 0; d < nd; ++d) v.back().push_back(value(r.cell(b, d)));
    }
    return v;
  };
  const std::string n = fmt::format("{} workflow{} x {} trials{}", r.workflows.size(), r.workflows.size() == 1 ? "" : "s",
                                    r.trials_per_workflow, synthetic ? ", synthetic profiles" : "");
  if (has_mcpp) {
    plot::Heatmap h = base;
    h.title = fmt::format("MCPP completion probability — {} ({})", label, n);
    h.values = grid([](const bench::Cell& c) { return c.mcpp.rate(); });
    const std::string path = (std::filesystem::path(dir) / "mcpp_completion.png").string();
    plot::write_heatmap_png(h, path);
    written.push_back(path);
  } else if (has_base) {
    plot::Heatmap h = base;
    h.title = fmt::format("Best baseline completion probability — {} ({})", label, n);
    h.values = grid([](const bench::Cell& c) { return c.baselines[static_cast<std::size_t>(c.best_baseline)].p.rate(); });
    const std::string path = (std::filesystem::path(dir) / "best_baseline_completion.png").string();
    plot::write_heatmap_png(h, path);
    written.push_back(path);
  }
  if (has_mcpp && has_base) {
    plot::Heatmap h = base;
    h.title = fmt::format("MCPP gain over the best baseline — {} ({})", label, n);
    h.values = grid([](const bench::Cell& c) { return c.gain(); });
    double span = 0.1;
    for (const auto& c : r.cells) span = std::max(span, std::abs(c.gain()));
    h.vmin = -span;
    h.vmax = span;
    h.diverging = true;
    const std::string path = (std::filesystem::path(dir) / "gain_over_best_baseline.png").string();
    plot::write_heatmap_png(h, path);
    written.push_back(path);
  }
  // Completion vs budget, one line per (method, deadline).
  plot::LineChart lc;
  lc.title = fmt::format("Completion probability vs budget — {} ({})", label, n);
  lc.x_label = r.budgets.ratio ? "budget (x nominal)" : "budget (USD)";
  lc.y_label = "P(complete within budget and deadline)";
  lc.markers = true;
  for (std::size_t d = 0; d < nd; ++d) {
    const std::string dl = bench::deadline_label(r.deadlines, d);
    if (has_mcpp) {
      plot::Series s{"MCPP, D = " + dl, {}, {}};
      for (std::size_t b = 0; b < nb; ++b) s.x.push_back(r.budgets.values[b]), s.y.push_back(r.cell(b, d).mcpp.rate());
      lc.series.push_back(s);
    }
    if (has_base) {
      plot::Series s{"best baseline, D = " + dl, {}, {}};
      for (std::size_t b = 0; b < nb; ++b) {
        const auto& c = r.cell(b, d);
        s.x.push_back(r.budgets.values[b]);
        s.y.push_back(c.baselines[static_cast<std::size_t>(c.best_baseline)].p.rate());
      }
      lc.series.push_back(s);
    }
  }
  const std::string path = (std::filesystem::path(dir) / "completion_vs_budget.png").string();
  plot::write_line_chart_png(lc, path);
  written.push_back(path);
}

int execute(const BenchOptions& o) {
  const Methods methods = parse_methods(o.methods);
  bench::BenchConfig cfg;
  cfg.budgets = make_axis(o.budgets, o.budget_ratios, {0.1, 0.2, 0.5}, "--budgets", "--budget-ratios", kMaxBudgetUsd);
  cfg.deadlines = make_axis(o.deadlines, o.deadline_ratios, {0.4, 0.55, 0.75}, "--deadlines", "--deadline-ratios", limits::kMaxSeconds);
  cfg.trials = o.trials;
  cfg.seed = o.seed;
  cfg.threads = o.threads;
  cfg.run_mcpp = methods.mcpp;
  cfg.baselines = methods.baselines;
  if (methods.mcpp) cfg.mcpp = preset_config(o.preset);

  const LoadedWorkload lw = load_workload(o);
  std::vector<bench::BenchWorkflow> wfs;
  for (const auto& wf : lw.workflows) wfs.push_back(bench::make_bench_workflow(wf.name, FlatWorkflow::compile(wf)));

  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec || !std::filesystem::is_directory(o.out))
    throw InputError("--out", "", fmt::format("{}: cannot create the folder ({})", o.out, ec ? ec.message() : "not a folder"));

  const std::string label = ends_with(o.workload, ".json") || ends_with(o.workload, ".jsonl")
                                ? std::filesystem::path(o.workload).filename().string()
                                : o.workload;
  std::cout << fmt::format("concord bench {}: {} workflow{} ({})\n", printable(label), wfs.size(), wfs.size() == 1 ? "" : "s",
                           printable(lw.provenance));
  std::cout << fmt::format("  trials     {} per workflow per cell = {} per cell, seed {} (common to every method)\n",
                           o.trials, static_cast<std::size_t>(o.trials) * wfs.size(), o.seed);
  std::cout << fmt::format("  methods    {}{}\n", methods.mcpp ? fmt::format("mcpp (preset {}) ", o.preset) : "",
                           methods.baselines.empty() ? "" : fmt::format("+ {} baselines", methods.baselines.size()));
  std::cout << "  judged     MCPP: reference semantics, atomic launch, deadline enforced;\n"
               "             baselines: per-sample launch without a deadline, success iff completed and makespan <= D\n";
  std::cout.flush();

  ProgressBar bar(o.progress || isatty(STDERR_FILENO));
  cfg.progress = [&bar](std::size_t done, std::size_t total) { bar.update(done, total); };
  const bench::BenchResult r = bench::run_bench(wfs, cfg);
  if (!methods.baselines.empty()) {
    std::string models;
    for (const auto& m : r.models) models += (models.empty() ? "" : ", ") + m;
    std::cout << fmt::format("  baselines  each run with each model of: {} (best model per baseline and cell)\n", printable(models));
  }
  std::cout << '\n' << bench::format_table(r) << '\n';
  if (methods.mcpp) {
    const auto& t = r.mcpp_decisions;
    std::cout << fmt::format("planner decisions: {}, mean {}, p50 {}, p95 {}, max {}\n", t.count, ms(t.mean_s), ms(t.p50_s),
                             ms(t.p95_s), ms(t.max_s));
  }

  const std::string csv = (std::filesystem::path(o.out) / "bench.csv").string();
  bench::write_text_file(csv, bench::format_csv(r, label));
  std::vector<std::string> written{csv};
  if (methods.mcpp) {
    const std::string per_workflow = (std::filesystem::path(o.out) / "bench_workflows.csv").string();
    bench::write_text_file(per_workflow, bench::format_workflow_csv(r, label));
    written.push_back(per_workflow);
  }
  write_charts(r, label, lw.provenance.find("synthetic") != std::string::npos, o.out, written);
  std::cout << fmt::format("wall time {:.1f} s; wrote", r.wall_seconds);
  for (const auto& w : written) std::cout << ' ' << w;
  std::cout << '\n';
  return kExitOk;
}

}  // namespace

CLI::App* add_bench_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Completion probability of MCPP and the paper's baselines over a budget x deadline grid");
  cmd->require_subcommand(0, 1);
  cmd->footer(
      "WORKLOAD is proofflow or codeflow (the shared datasets, synthetic profiles), an MCPP DAG-pool\n"
      "file (*.jsonl, priced by --prices) or a Concord workflow file (*.json).\n\n"
      "The grid: budgets (--budgets in USD, or --budget-ratios of each workflow's nominal budget) x\n"
      "deadlines (--deadlines in seconds, or --deadline-ratios of the nominal deadline); default\n"
      "budget ratios 0.1,0.2,0.5 x deadline ratios 0.4,0.55,0.75. Nominal budget = sum over subtasks\n"
      "of ceil(ln 0.05 / ln(1-p)) x expected sample cost; nominal deadline = longest path of mean\n"
      "latency / p (each with the subtask's first model).\n\n"
      "--methods: comma-separated, from all (default), mcpp, baselines, seq (sequential_1..64),\n"
      "static (uniform, random, latency_weighted, success_rate_weighted, critical_path_static) or\n"
      "single baseline names. Baselines run once per model able to run every subtask; the table\n"
      "shows the best (baseline, model) per cell.\n\n"
      "Writes DIR/bench.csv (one row per cell and method), DIR/bench_workflows.csv (MCPP per cell\n"
      "and workflow), DIR/mcpp_completion.png, DIR/gain_over_best_baseline.png and\n"
      "DIR/completion_vs_budget.png (see docs/bench.md).\n\n"
      "Exit codes: 0 ok; 2 bad input (command line or file); 3 internal error.");
  cmd->add_option("WORKLOAD", opts->workload, "proofflow | codeflow | FILE.jsonl | FILE.json");
  cmd->add_option("--dags", opts->dags, "Use the first N workflows of the workload (0: all)")
      ->transform(integer_in(0, 2147483647))
      ->capture_default_str();
  cmd->add_option("--trials", opts->trials, "Trials per cell per workflow")->transform(integer_in(1, 1000000))->capture_default_str();
  auto* budgets = cmd->add_option("--budgets", opts->budgets, "Budgets in USD, comma-separated")
                      ->delimiter(',')
                      ->transform(real_in(0, kMaxBudgetUsd, true, "dollars"));
  auto* ratios = cmd->add_option("--budget-ratios", opts->budget_ratios, "Budgets as ratios of the nominal budget (default 0.1,0.2,0.5)")
                     ->delimiter(',')
                     ->transform(real_in(0, kMaxBudgetUsd, true, "x the nominal budget"));
  budgets->excludes(ratios);
  auto* deadlines = cmd->add_option("--deadlines", opts->deadlines, "Deadlines in seconds, comma-separated")
                        ->delimiter(',')
                        ->transform(real_in(0, limits::kMaxSeconds, true, "seconds"));
  auto* dratios = cmd->add_option("--deadline-ratios", opts->deadline_ratios,
                                  "Deadlines as ratios of the nominal deadline (default 0.4,0.55,0.75)")
                      ->delimiter(',')
                      ->transform(real_in(0, limits::kMaxSeconds, true, "x the nominal deadline"));
  deadlines->excludes(dratios);
  cmd->add_option("--seed", opts->seed, "Root seed (trial seeds derive from it)")->transform(unsigned64())->capture_default_str();
  cmd->add_option("--out", opts->out, "Output folder (CSV and PNG charts)")->capture_default_str();
  cmd->add_option("--methods", opts->methods, "Methods to run (see below)")->capture_default_str();
  cmd->add_option("--threads", opts->threads, "Worker threads (0: all cores; results do not depend on it)")
      ->transform(integer_in(0, 1024))
      ->capture_default_str();
  cmd->add_option("--preset", opts->preset, "MCPP configuration: a preset (" + preset_names() + "), then options joined by '+' (" + mcpp_option_help() + "), e.g. faithful+cap260; docs/mcpp.md")->capture_default_str();
  cmd->add_flag("--progress", opts->progress, "Show the progress bar even when stderr is not a terminal");
  cmd->add_option("--datasets", opts->datasets_dir, "Datasets folder for proofflow / codeflow")
      ->default_str("$CONCORD_DATASETS or ../shared/datasets");
  cmd->add_option("--prices", opts->prices_file,
                  "Price table for .jsonl files: JSON {\"model\": dollars per 1M output tokens} (default: the paper's)");
  cmd->callback([cmd, opts, &exit_code] {
    if (!cmd->get_subcommands().empty()) return;  // a sub-subcommand (e.g. `bench routing`) ran instead
    if (opts->workload.empty())
      throw InputError("bench", "WORKLOAD", "missing: give proofflow, codeflow, FILE.jsonl or FILE.json (or a bench subcommand)");
    exit_code = execute(*opts);
  });
  add_bench_contention_command(*cmd, exit_code);
  return cmd;
}

}  // namespace concord::cli

#include "cli/bench_contention_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/number_options.hpp"
#include "contention/contention_bench.hpp"
#include "contention_cluster.hpp"
#include "eval/grid.hpp"
#include "model/input_error.hpp"
#include "plan/mcpp_config.hpp"
#include "plot/chart.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/datasets.hpp"
#include "workloads/proofflow.hpp"

namespace concord::cli {

namespace {

struct Options {
  std::string workload = "proofflow";
  std::string datasets;
  std::string out = "out/contention";
  int dags = 20;
  // Defaults: the configuration of docs/negotiation.md (chosen on seed 1, reported on seeds 2, 3).
  std::vector<double> rates{0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.12};
  double window_s = 1200;
  int tenants = 2;
  double tenant_budget_x = 4.0;
  double budget_rate = 0;  // 0: the lowest rate
  int workers = 2;
  int slots = 4;
  int replicates = 12;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string preset = "faithful+M16+cap64";
  std::string policies = "fcfs,static_split,negotiation";
  std::vector<double> budget_ratios, deadline_ratios;
  double tick_s = 5;
  double price_step = 0.05;
  double slot_target = 1.0;
  bool no_prices = false;
  bool no_queue_view = false;
  std::string engine = "simulator";
};

std::vector<contention::ContentionPolicy> parse_policies(const std::string& text) {
  std::vector<contention::ContentionPolicy> out;
  std::stringstream ss(text);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    if (tok.empty()) continue;
    contention::ContentionPolicy p;
    if (!contention::parse_policy(tok, p))
      throw InputError("--policies", "", fmt::format("unknown policy \"{}\" (expected fcfs, static_split, negotiation)", tok));
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  if (out.empty()) throw InputError("--policies", "", "no policy given");
  return out;
}

contention::ContentionWorkload load(const Options& o) {
  WorkloadOptions wo;
  if (!o.datasets.empty()) wo.datasets_dir = o.datasets;
  Workload w;
  if (o.workload == "proofflow") w = build_proofflow(wo);
  else if (o.workload == "codeflow") w = build_codeflow(wo);
  else throw InputError("WORKLOAD", "", fmt::format("\"{}\": expected proofflow or codeflow", o.workload));
  std::vector<bench::BenchWorkflow> t;
  for (const auto& wf : w.workflows) {
    if (o.dags > 0 && static_cast<int>(t.size()) >= o.dags) break;
    t.push_back(bench::make_bench_workflow(wf.name, FlatWorkflow::compile(wf)));
  }
  return contention::make_workload(std::move(t));
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  if (!f || !(f << text)) throw InputError(path, "", "cannot write the file");
}

void write_charts(const contention::SweepResult& r, const contention::ContentionWorkload& wl,
                  const contention::PriceScales& scales, const std::string& label, const std::string& dir,
                  std::vector<std::string>& written) {
  plot::LineChart lc;
  lc.title = fmt::format("Completion within own budget and deadline vs load — {} (synthetic profiles, {} replicates)",
                         label, r.config.replicates);
  lc.x_label = "arrival rate (workflows / s)";
  lc.y_label = "fraction completed (mean over replicates)";
  lc.markers = true;
  for (auto p : r.config.policies) {
    plot::Series s{std::string(contention::to_string(p)), {}, {}};
    plot::Series lo{std::string(contention::to_string(p)) + " 95% lo", {}, {}};
    for (double rate : r.config.rates) {
      const auto* c = r.find(p, rate);
      s.x.push_back(rate), s.y.push_back(c->completion.mean);
      lo.x.push_back(rate), lo.y.push_back(c->completion.lo);
    }
    lc.series.push_back(s);
    if (p == contention::ContentionPolicy::negotiation || p == contention::ContentionPolicy::fcfs) lc.series.push_back(lo);
  }
  std::string path = (std::filesystem::path(dir) / "completion_vs_load.png").string();
  plot::write_line_chart_png(lc, path);
  written.push_back(path);
  if (r.negotiation_r0.empty()) return;
  plot::LineChart money;
  money.title = "Negotiation: tenant 0's money price (x a typical workflow budget), replicate 0";
  money.x_label = "time (s)";
  money.y_label = "price x typical budget (value per budget)";
  plot::LineChart slots;
  slots.title = "Negotiation: slot prices (x a typical workflow's slot-seconds), replicate 0";
  slots.x_label = "time (s)";
  slots.y_label = "price x typical slot-seconds";
  for (std::size_t i = 0; i < r.negotiation_r0.size(); ++i) {
    const auto& pr = r.negotiation_r0[i].prices;
    if (pr.money.empty()) continue;  // the actors' runs keep no trajectories
    const double rate = r.config.rates[i];
    plot::Series s{fmt::format("rate {}", rate), pr.time_s, {}};
    for (double p : pr.money[0]) s.y.push_back(p * scales.money_usd);
    money.series.push_back(s);
    for (std::size_t m = 0; m < pr.slots.size(); ++m) {
      plot::Series q{fmt::format("rate {}, {}", rate, wl.models[m]), pr.time_s, {}};
      for (double p : pr.slots[m]) q.y.push_back(p * scales.slot_s);
      if (std::any_of(q.y.begin(), q.y.end(), [](double y) { return y > 0; })) slots.series.push_back(q);
    }
  }
  if (money.series.empty()) return;
  path = (std::filesystem::path(dir) / "prices_money.png").string();
  plot::write_line_chart_png(money, path);
  written.push_back(path);
  path = (std::filesystem::path(dir) / "prices_slots.png").string();
  plot::write_line_chart_png(slots, path);
  written.push_back(path);
}

int execute(const Options& o) {
  contention::SweepConfig sc;
  sc.rates = o.rates;
  std::sort(sc.rates.begin(), sc.rates.end());
  sc.policies = parse_policies(o.policies);
  sc.replicates = o.replicates;
  sc.threads = o.threads;
  contention::ContentionConfig& c = sc.base;
  c.seed = o.seed;
  c.window_s = o.window_s;
  c.tenants = o.tenants;
  c.workers_per_model = o.workers;
  c.slots_per_worker = o.slots;
  c.tick_s = o.tick_s;
  c.price_step = o.price_step;
  c.slot_target = o.slot_target;
  c.price_signals = !o.no_prices;
  c.queue_view = !o.no_queue_view;
  // Defaults: the upper half of `concord bench`'s grid of the workload, where a workflow alone
  // completes about 3 times in 4, so that the load, not the workflow's own terms, decides.
  if (o.workload == "codeflow") {
    c.budget_ratios = {0.04, 0.1, 0.2};
    c.deadline_ratios = {0.3, 0.4, 0.55};
  } else {
    c.budget_ratios = {0.2, 0.5, 1.0};
    c.deadline_ratios = {0.55, 0.75, 1.0};
  }
  if (!o.budget_ratios.empty()) c.budget_ratios = o.budget_ratios;
  if (!o.deadline_ratios.empty()) c.deadline_ratios = o.deadline_ratios;
  try {
    c.planner = mcpp_preset(o.preset);
  } catch (const std::invalid_argument& e) {
    throw InputError("--preset", "", e.what());
  }
  if (o.engine != "simulator" && o.engine != "actors")
    throw InputError("--engine", "", fmt::format("{}: expected simulator or actors", o.engine));
  if (o.engine == "actors") {
    if (o.no_prices || o.no_queue_view)
      throw InputError("--engine", "", "actors: the ablations --no-prices and --no-queue-view are the simulator's only");
    sc.engine = actors::run_contention_on_actors;
  }
  const contention::ContentionWorkload wl = load(o);
  // Tenant budget: x times the own budgets of the workflows expected per tenant at the budget rate.
  const contention::PriceScales scales = contention::price_scales(wl, c);
  const double budget_rate = o.budget_rate > 0 ? o.budget_rate : sc.rates.front();
  c.tenant_budget_usd = o.tenant_budget_x * scales.money_usd * budget_rate * c.window_s / c.tenants;
  c.arrival_rate_per_s = sc.rates.front();
  if (const std::string err = c.validate(); !err.empty()) throw InputError("bench contention", "", err);

  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec || !std::filesystem::is_directory(o.out))
    throw InputError("--out", "", fmt::format("{}: cannot create the folder", o.out));

  std::cout << fmt::format("concord bench contention: {} ({} workflows, synthetic profiles), models", o.workload, wl.templates.size());
  for (const auto& m : wl.models) std::cout << ' ' << m;
  std::cout << fmt::format("\n  pool       {} workers x {} slots per model; window {} s; {} tenant(s), budget ${:.4f} each "
                           "({} x the own budgets expected at rate {})\n",
                           o.workers, o.slots, o.window_s, o.tenants, c.tenant_budget_usd, o.tenant_budget_x, budget_rate);
  std::cout << fmt::format("  workflows  budget x nominal in {{{}}}, deadline x nominal in {{{}}}; typical budget ${:.5f}, "
                           "slot-seconds {:.1f}\n",
                           fmt::join(c.budget_ratios, ", "), fmt::join(c.deadline_ratios, ", "), scales.money_usd, scales.slot_s);
  std::cout << fmt::format("  planner    MCPP {}; prices: tick {} s, step {}{}{}; {} replicates, seed {}\n", o.preset, o.tick_s,
                           o.price_step, o.no_prices ? "; ablation: no prices" : "",
                           o.no_queue_view ? "; ablation: no queue view" : "", o.replicates, o.seed);
  std::cout << (o.engine == "actors" ? "  engine     actors: an embedded cluster per run on a virtual clock (actors/contention_cluster.hpp)\n"
                                     : "  engine     the contention simulator\n");
  std::cout.flush();
  sc.progress = [](std::size_t done, std::size_t total) {
    std::cerr << fmt::format("\r{}/{} runs", done, total) << (done == total ? "\n" : "") << std::flush;
  };
  const contention::SweepResult r = contention::run_sweep(wl, sc);
  std::cout << '\n' << contention::format_table(r);
  std::cout << "completion: mean over replicates of the fraction of a run's workflows completed within their own\n"
               "budget and deadline, 95 % Student-t interval over replicates; vs fcfs: paired by replicate.\n"
               "spend/bud: largest tenant spend / tenant budget over all runs (asserted <= 1 in every run).\n";
  std::vector<std::string> written;
  const std::string csv = (std::filesystem::path(o.out) / "contention.csv").string();
  write_file(csv, contention::format_csv(r));
  written.push_back(csv);
  write_charts(r, wl, scales, o.workload, o.out, written);
  std::cout << fmt::format("wall time {:.1f} s; wrote", r.wall_s);
  for (const auto& w : written) std::cout << ' ' << w;
  std::cout << '\n';
  return kExitOk;
}

}  // namespace

void add_bench_contention_command(CLI::App& bench, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = bench.add_subcommand("contention", "Many workflows and tenants on a shared pool: fcfs vs static split vs negotiation");
  cmd->footer(
      "Workflows (ProofFlow or CodeFlow DAGs with synthetic profiles) arrive by a Poisson process\n"
      "over --window seconds at each --rates value; each model has --workers workers with --slots\n"
      "slots (a sample without a free slot waits in the worker's FIFO queue). Each workflow draws a\n"
      "budget and a deadline as ratios of its nominal ones (--budget-ratios, --deadline-ratios;\n"
      "defaults: proofflow 0.2,0.5,1 x 0.55,0.75,1, codeflow 0.04,0.1,0.2 x 0.3,0.4,0.55) and\n"
      "belongs to one of --tenants tenants, whose\n"
      "budget for the run is --tenant-budget-x x the own budgets of the workflows it expects at\n"
      "--budget-rate (default: the lowest rate). Policies: fcfs (each workflow plans alone),\n"
      "static_split (each gets at most tenant budget / expected workflows of its tenant),\n"
      "negotiation (posted money and slot prices by dual mirror descent; queue-aware rollouts).\n"
      "Replicate r has the same arrivals and sample draws under every policy and rate.\n"
      "--engine actors carries out every run on an embedded actor cluster (virtual clock: workers\n"
      "with slots, a selector posting slot prices, tenant ledger actors posting money prices).\n\n"
      "Writes DIR/contention.csv, DIR/completion_vs_load.png, DIR/prices_money.png and\n"
      "DIR/prices_slots.png (docs/negotiation.md).\n\n"
      "Exit codes: 0 ok; 2 bad input; 3 internal error (e.g. a tenant over its budget).");
  cmd->add_option("WORKLOAD", o->workload, "proofflow | codeflow")->capture_default_str();
  cmd->add_option("--dags", o->dags, "Use the first N workflows of the workload (0: all)")
      ->transform(integer_in(0, 100000))->capture_default_str();
  cmd->add_option("--rates", o->rates, "Arrival rates to sweep (workflows per second, all tenants)")
      ->delimiter(',')->transform(real_in(0, 1000, true, "workflows per second"))->capture_default_str();
  cmd->add_option("--window", o->window_s, "Arrival window (seconds)")->transform(real_in(0, 1e7, true, "seconds"))->capture_default_str();
  cmd->add_option("--tenants", o->tenants, "Tenants")->transform(integer_in(1, 1000))->capture_default_str();
  cmd->add_option("--tenant-budget-x", o->tenant_budget_x, "Tenant budget as a multiple of its expected workflows' own budgets")
      ->transform(real_in(0, 1e6, false, "x"))->capture_default_str();
  cmd->add_option("--budget-rate", o->budget_rate, "Rate at which the tenant budget is sized (0: the lowest of --rates)")
      ->transform(real_in(0, 1000, false, "workflows per second"))->capture_default_str();
  cmd->add_option("--workers", o->workers, "Workers per model")->transform(integer_in(1, 10000))->capture_default_str();
  cmd->add_option("--slots", o->slots, "Slots (concurrent samples) per worker")->transform(integer_in(1, 10000))->capture_default_str();
  cmd->add_option("--replicates", o->replicates, "Runs per policy and rate")->transform(integer_in(1, 10000))->capture_default_str();
  cmd->add_option("--seed", o->seed, "Root seed")->transform(unsigned64())->capture_default_str();
  cmd->add_option("--threads", o->threads, "Runs in parallel (0: all cores; results do not depend on it)")
      ->transform(integer_in(0, 1024))->capture_default_str();
  cmd->add_option("--preset", o->preset, "MCPP configuration of every workflow (mcpp_preset spec; docs/mcpp.md)")->capture_default_str();
  cmd->add_option("--policies", o->policies, "Comma-separated: fcfs, static_split, negotiation")->capture_default_str();
  cmd->add_option("--budget-ratios", o->budget_ratios, "Workflow budgets as ratios of nominal (drawn uniformly)")
      ->delimiter(',')->transform(real_in(0, 1e6, true, "x nominal"));
  cmd->add_option("--deadline-ratios", o->deadline_ratios, "Workflow deadlines as ratios of nominal (drawn uniformly)")
      ->delimiter(',')->transform(real_in(0, 1e6, true, "x nominal"));
  cmd->add_option("--tick", o->tick_s, "Price update interval (seconds)")->transform(real_in(0, 1e6, true, "seconds"))->capture_default_str();
  cmd->add_option("--price-step", o->price_step, "Mirror-descent step kappa (dimensionless)")
      ->transform(real_in(0, 1e6, true, ""))->capture_default_str();
  cmd->add_option("--slot-target", o->slot_target, "Slot pace as a fraction of capacity")
      ->transform(real_in(0, 10, true, ""))->capture_default_str();
  cmd->add_option("--engine", o->engine,
                  "simulator (runtime/contention) | actors (every run on an embedded actor cluster, virtual clock)")
      ->capture_default_str();
  cmd->add_flag("--no-prices", o->no_prices, "Ablation: negotiating planners ignore the posted prices (queue view only)");
  cmd->add_flag("--no-queue-view", o->no_queue_view, "Ablation: negotiating planners' rollouts ignore queueing (prices only)");
  cmd->add_option("--datasets", o->datasets, "Datasets folder")->default_str("$CONCORD_DATASETS or ../shared/datasets");
  cmd->add_option("--out", o->out, "Output folder (CSV and PNG charts)")->capture_default_str();
  cmd->callback([o, &exit_code] { exit_code = execute(*o); });
}

}  // namespace concord::cli

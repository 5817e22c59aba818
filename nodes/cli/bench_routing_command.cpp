#include "cli/bench_routing_command.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/exit_codes.hpp"
#include "cli/number_options.hpp"
#include "model/input_error.hpp"
#include "plot/chart.hpp"
#include "eval/pool_sim.hpp"
#include "eval/replay_eval.hpp"
#include "eval/routerbench.hpp"
#include "workloads/datasets.hpp"

namespace concord::cli {

namespace {

using namespace concord::route;

struct Options {
  std::string datasets;
  std::string out = "out/routing";
  std::uint64_t seed = 1;
  std::vector<double> lambdas = {0, 5, 20, 50, 100, 200};
  double table_lambda = 20;
  std::size_t replicates = 50;
  std::string only;  // "", "replay", "pool"
  std::vector<std::string> splits;   // --splits: restrict RouterBench discovery to these NAMEs
  std::vector<std::uint64_t> seeds;  // --seeds: replay seeds of the mean/range table (default: --seed)
};

std::ofstream open_out(const std::string& path) {
  std::ofstream f(path);
  if (!f) throw InputError(path, "", "cannot open file for writing");
  return f;
}

/// "field: reason" from a config validate() -> InputError on the command line.
[[noreturn]] void bad_flag(const std::string& flag, const std::invalid_argument& e) {
  std::string reason = e.what();
  if (const auto p = reason.find(": "); p != std::string::npos) reason = reason.substr(p + 2);
  throw InputError("command line", flag, reason);
}

std::string fmt_tasks(long t) { return t < 0 ? "never" : std::to_string(t); }

std::string short_model(const std::string& m) {
  const auto p = m.rfind('/');
  return p == std::string::npos ? m : m.substr(p + 1);
}

/// "policy name" with every model id shortened to its last path component.
std::string short_policy(std::string name, const std::vector<std::string>& models) {
  for (const auto& m : models) {
    const std::string s = short_model(m);
    for (auto p = name.find(m); p != std::string::npos; p = name.find(m, p + s.size())) name.replace(p, m.size(), s);
  }
  return name;
}

const ReplayRow* find_row(const ReplayReport& rep, double lambda, const std::string& split, const std::string& prefix) {
  for (const auto& r : rep.rows)
    if (r.lambda == lambda && r.split == split && r.policy.rfind(prefix, 0) == 0) return &r;
  return nullptr;
}

constexpr const char* kTest = "test (frozen)";
constexpr const char* kTrain = "train (online)";

std::size_t distinct_models(const ReplayRow& r) {
  std::size_t n = 0;
  for (auto c : r.picks) n += c > 0;
  return n;
}

/// "gpt-4 61.2%, claude-v2 30.1%, ..." (models by decreasing share, those with a pick).
std::string shares(const ReplayRow& r, const std::vector<std::string>& models) {
  std::vector<std::size_t> idx(models.size());
  for (std::size_t m = 0; m < idx.size(); ++m) idx[m] = m;
  std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return r.picks[a] > r.picks[b]; });
  std::string out;
  for (std::size_t m : idx) {
    if (r.picks[m] == 0) break;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {:.1f}%", short_model(models[m]), 100.0 * static_cast<double>(r.picks[m]) / static_cast<double>(r.queries));
  }
  return out;
}

void print_table(const Options& o, const ReplayReport& rep) {
  std::cout << fmt::format("\nlambda = {} (accuracy, total dollars, cumulative regret vs oracle; models: distinct models used on test):\n",
                           o.table_lambda);
  std::cout << fmt::format("  {:<58} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} {:>6}\n", "policy", "train acc", "train $",
                           "regret", "test acc", "test $", "regret", "models");
  for (std::size_t i = 0; i + 1 < rep.rows.size(); ++i) {
    const auto& a = rep.rows[i];
    const auto& b = rep.rows[i + 1];
    if (a.lambda != o.table_lambda || a.split != kTrain) continue;
    std::cout << fmt::format("  {:<58} {:>9.3f} {:>9.4f} {:>9.1f} | {:>9.3f} {:>9.4f} {:>9.1f} {:>6}\n",
                             short_policy(a.policy, rep.models), a.accuracy, a.dollars, a.regret, b.accuracy, b.dollars,
                             b.regret, distinct_models(b));
  }
  std::cout << "  (a warm policy's train columns are in-sample: greedy after its full-information fit on train)\n";
  std::cout << fmt::format("\nper-query choices on test at lambda = {} (distinct models, share of each):\n", o.table_lambda);
  for (const auto& r : rep.rows)
    if (r.lambda == o.table_lambda && r.split == kTest && r.policy.rfind("single: ", 0) != 0)
      std::cout << fmt::format("  {:<40} {:>2} | {}\n", short_policy(r.policy, rep.models).substr(0, 40), distinct_models(r),
                               shares(r, rep.models));
  std::cout << "\ncross-validation on train (5 folds; chosen text weight, arm ridge; held-out reward per query):\n";
  for (const auto& v : rep.validation)
    std::cout << fmt::format("  lambda {:>5}  {:<24} text_weight {:<5} arm_ridge {:<5} validation {:>8.4f}\n", v.lambda,
                             v.policy, v.text_weight, v.arm_ridge, v.validation_reward);
}

void write_csvs(const Options& o, const ReplayReport& rep) {
  auto csv = open_out(o.out + "/replay.csv");
  csv << "lambda,split,policy,queries,accuracy,dollars,reward,regret,distinct_models\n";
  for (const auto& r : rep.rows)
    csv << fmt::format("{},{},\"{}\",{},{:.6f},{:.6f},{:.6f},{:.6f},{}\n", r.lambda, r.split, r.policy, r.queries,
                       r.accuracy, r.dollars, r.reward, r.regret, distinct_models(r));
  auto sh = open_out(o.out + "/replay_shares.csv");
  sh << "lambda,split,policy,model,queries,share\n";
  for (const auto& r : rep.rows)
    for (std::size_t m = 0; m < rep.models.size(); ++m)
      sh << fmt::format("{},{},\"{}\",{},{},{:.6f}\n", r.lambda, r.split, r.policy, rep.models[m], r.picks[m],
                        static_cast<double>(r.picks[m]) / static_cast<double>(std::max<std::size_t>(1, r.queries)));
  auto val = open_out(o.out + "/replay_validation.csv");
  val << "lambda,policy,text_weight,arm_ridge,validation_reward_per_query\n";
  for (const auto& v : rep.validation)
    val << fmt::format("{},\"{}\",{},{},{:.6f}\n", v.lambda, v.policy, v.text_weight, v.arm_ridge, v.validation_reward);
}

void write_frontier(const Options& o, const ReplayReport& rep) {
  auto frontier = open_out(o.out + "/replay_frontier.csv");
  frontier << "lambda,policy,test_accuracy,test_dollars,test_regret\n";
  std::cout << "\naccuracy-vs-cost frontier on test over lambda (accuracy / dollars):\n";
  const std::vector<std::pair<const char*, const char*>> keys = {
      {"concord", "Concord (hybrid, warm, 1-SE)"},           {"linucb-shared", "LinUCB shared (reference)"},
      {"best-single", "best single model (hindsight)"}, {"per-dataset best", "per-dataset best model (hindsight)"},
      {"oracle", "oracle"}};
  std::string head = fmt::format("  {:>7}", "lambda");
  for (const auto& k : keys) head += fmt::format(" {:>22}", std::string(k.first).substr(0, 22));
  std::cout << head << '\n';
  plot::LineChart chart{"RouterBench test: accuracy vs dollars over lambda", "total dollars (test)", "accuracy (test)",
                        {}, true};
  std::vector<plot::Series> series(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) series[k].label = keys[k].second;
  for (double l : o.lambdas) {
    std::string line = fmt::format("  {:>7}", l);
    for (std::size_t k = 0; k < keys.size(); ++k)
      if (const ReplayRow* r = find_row(rep, l, kTest, keys[k].first)) {
        line += fmt::format(" {:>13.3f} / {:>6.3f}", r->accuracy, r->dollars);
        frontier << fmt::format("{},\"{}\",{:.6f},{:.6f},{:.6f}\n", l, r->policy, r->accuracy, r->dollars, r->regret);
        series[k].x.push_back(r->dollars);
        series[k].y.push_back(r->accuracy);
      }
    std::cout << line << '\n';
  }
  chart.series = series;
  plot::write_line_chart_png(chart, o.out + "/replay_frontier.png");
}

void write_regret(const Options& o, const ReplayReport& rep) {
  auto curves = open_out(o.out + "/replay_regret.csv");
  curves << "lambda,policy,step,cumulative_regret\n";
  plot::LineChart chart{fmt::format("RouterBench: cumulative regret vs oracle, lambda = {}", o.table_lambda),
                        fmt::format("query (1..{} train; then test, frozen)", rep.train_queries),
                        "cumulative regret", {}, false};
  for (const auto& c : rep.curves) {
    for (std::size_t i = 0; i < c.cumulative.size(); ++i)
      curves << fmt::format("{},\"{}\",{},{:.6f}\n", c.lambda, c.policy, i + 1, c.cumulative[i]);
    if (c.lambda != o.table_lambda) continue;
    plot::Series s;
    s.label = c.policy.substr(0, c.policy.find(':'));
    for (std::size_t i = 0; i < c.cumulative.size(); ++i) {
      s.x.push_back(static_cast<double>(i + 1));
      s.y.push_back(c.cumulative[i]);
    }
    chart.series.push_back(std::move(s));
  }
  plot::write_line_chart_png(chart, o.out + "/replay_regret.png");
}

/// Mean [min, max] over seeds of the test reward per query.
struct Spread {
  double mean = 0, lo = 0, hi = 0;
};
Spread spread(const std::vector<double>& v) {
  Spread s{0, v.front(), v.front()};
  for (double x : v) s.mean += x / static_cast<double>(v.size()), s.lo = std::min(s.lo, x), s.hi = std::max(s.hi, x);
  return s;
}

/// The test reward per query of each policy (by prefix), over the seeds' reports.
void print_seed_summary(const Options& o, const std::vector<ReplayReport>& reps, const std::vector<std::uint64_t>& seeds) {
  const std::vector<std::pair<const char*, const char*>> cols = {
      {"concord", "concord (hybrid,warm,1-SE)"},  {"linucb-shared", "linucb-shared (ref)"},
      {"best-single", "best single (hindsight)"}, {"per-dataset best", "per-dataset best (hindsight)"},
      {"hybrid (warm, greedy)", "hybrid (warm, greedy)"},  {"shared (warm)", "shared (warm)"},
      {"linucb-disjoint", "linucb-disjoint (online)"}};
  std::cout << fmt::format("\ntest reward per query = mean(correct - lambda x $), mean [min, max] over seeds {}:\n",
                           fmt::join(seeds, ", "));
  std::string head = fmt::format("  {:>6}", "lambda");
  for (const auto& c : cols) head += fmt::format(" {:>28}", c.second);
  head += fmt::format(" {:>22} {:>22} {:>22}", "min(concord - shared)", "min(concord - single)", "min(concord - per-ds)");
  std::cout << head << '\n';
  auto summary = open_out(o.out + "/replay_seeds.csv");
  summary << "lambda,policy,seeds,mean_reward_per_query,min,max\n";
  for (double l : o.lambdas) {
    std::string line = fmt::format("  {:>6}", l);
    std::vector<std::vector<double>> per(cols.size());
    for (const auto& rep : reps)
      for (std::size_t c = 0; c < cols.size(); ++c)
        if (const ReplayRow* r = find_row(rep, l, kTest, cols[c].first))
          per[c].push_back(r->reward / static_cast<double>(r->queries));
    for (std::size_t c = 0; c < cols.size(); ++c) {
      if (per[c].size() != reps.size()) {
        line += fmt::format(" {:>28}", "-");
        continue;
      }
      const Spread s = spread(per[c]);
      line += fmt::format(" {:>8.4f} [{:>7.4f}, {:>7.4f}]", s.mean, s.lo, s.hi);
      summary << fmt::format("{},\"{}\",\"{}\",{:.6f},{:.6f},{:.6f}\n", l, cols[c].second, fmt::join(seeds, " "), s.mean,
                             s.lo, s.hi);
    }
    for (std::size_t c : {1u, 2u, 3u}) {
      double m = INFINITY;
      for (std::size_t i = 0; i < per[0].size() && i < per[c].size(); ++i)  // same seed, paired
        m = std::min(m, per[0][i] - per[c][i]);
      line += fmt::format(" {:>+22.4f}", m);
    }
    std::cout << line << '\n';
  }
}

void run_replay_eval(const Options& o, const std::string& dir) {
  ReplayConfig rc;
  rc.lambdas = o.lambdas;
  rc.seed = o.seed;
  try {
    rc.validate();
  } catch (const std::invalid_argument& e) {
    bad_flag("--lambda", e);
  }
  if (!o.splits.empty()) {  // --splits names known splits (either half present; a lone half is refused below)
    auto known = list_routerbench(dir, "train");
    for (const auto& n : list_routerbench(dir, "test")) known.push_back(n);
    for (const auto& name : o.splits)
      if (std::find(known.begin(), known.end(), name) == known.end())
        throw InputError("command line", "--splits",
                         fmt::format("unknown split \"{}\": no {}/routerbench/{}_train.csv or _test.csv", name, dir, name));
  }
  const RouterBenchData train = load_routerbench(dir, "train", o.splits);
  const RouterBenchData test = load_routerbench(dir, "test", o.splits);
  check_train_test(train, test, dir);
  const ReplayReport rep = run_replay(train, test, rc);

  std::cout << fmt::format(
      "\n== Evaluation 1: replay on real LLM outcomes (RouterBench {}) ==\n", fmt::join(train.datasets, " + "));
  std::cout << fmt::format(
      "{} models; train {} queries (shuffled by seed {}), test {} queries (frozen, greedy);\n"
      "reward = correct - lambda x cost (lambda in 1/$); {} empty correctness cells counted as incorrect;\n"
      "bandit reward normalised by C = ${:.6f} (max per-query cost on train);\n"
      "context: d = {} (bias, dataset one-hot over {}, log length, {}-dim projection of train-fitted TF-IDF).\n",
      rep.models.size(), rep.train_queries, o.seed, rep.test_queries, rep.missing_outcomes, rep.cost_cap_usd,
      rep.feature_dim, fmt::join(rep.datasets, ", "), rc.features.projection_dim);

  write_csvs(o, rep);
  print_table(o, rep);
  write_frontier(o, rep);
  write_regret(o, rep);

  std::vector<std::uint64_t> seeds = o.seeds.empty() ? std::vector<std::uint64_t>{o.seed} : o.seeds;
  std::vector<ReplayReport> reps;
  for (std::uint64_t s : seeds) {
    if (s == o.seed) {
      reps.push_back(rep);
      continue;
    }
    ReplayConfig c = rc;
    c.seed = s;
    reps.push_back(run_replay(train, test, c));
  }
  print_seed_summary(o, reps, seeds);
  std::cout << fmt::format("\nwrote {0}/replay.csv, {0}/replay_shares.csv, {0}/replay_validation.csv, {0}/replay_seeds.csv,\n"
                           "      {0}/replay_frontier.csv, {0}/replay_frontier.png, {0}/replay_regret.csv, {0}/replay_regret.png\n",
                           o.out);
}

void run_pool_eval(const Options& o) {
  PoolConfig pc;
  pc.seed = o.seed;
  pc.replicates = o.replicates;
  try {
    pc.validate();
  } catch (const std::invalid_argument& e) {
    bad_flag("--replicates", e);
  }
  std::cout << fmt::format(
      "\n== Evaluation 2: simulated worker pool with shocks ==\n"
      "{} workers over {} models, {} tasks (one every {} s), shock at task {}, {} replicates (seed {});\n"
      "beacons every {} s, stale after {} intervals, failure detector delay {} s, outcome timeout {} s.\n"
      "concord = disjoint LinUCB (population prior), alpha 0.3, discount 0.95, staleness + failure detector;\n"
      "reference = shared LinUCB, alpha 1, no discount, no staleness exclusion, no failure detector.\n"
      "recover: drop >= {} in rolling success (window {}), recovered when {} consecutive tasks >= {} x pre-shock.\n",
      pc.models * pc.workers_per_model, pc.models, pc.tasks, pc.task_interval_s, pc.shock_task, pc.replicates, pc.seed,
      pc.beacon_interval_s, pc.stale_after_intervals, pc.fd_delay_s, pc.outcome_timeout_s, pc.rule.drop, pc.rule.window,
      pc.rule.streak, pc.rule.fraction);
  auto csv = open_out(o.out + "/pool.csv");
  csv << "scenario,policy,pre_shock,min_rolling_after,dropped,tasks_to_recover_mean_curve,tasks_to_recover_median,"
         "success_before,success_after,cost_per_success,cost_per_success_after,dead_dispatches,"
         "dead_dispatches_after_timeout,adoption_median\n";
  auto roll_csv = open_out(o.out + "/pool_rolling.csv");
  roll_csv << "scenario,policy,task,mean_rolling_success\n";
  std::cout << fmt::format("\n  {:<26} {:<10} {:>6} {:>7} {:>8} {:>8} {:>7} {:>7} {:>9} {:>10} {:>9}\n", "scenario",
                           "policy", "pre", "min", "recover", "rec.med", "succ<", "succ>", "$/succ>", "dead>1to",
                           "adopt.med");
  const Shock shocks[] = {Shock::worker_dies, Shock::worker_degrades, Shock::better_worker_joins};
  const char* tags[] = {"a_dies", "b_degrades", "c_joins"};
  for (int s = 0; s < 3; ++s) {
    plot::LineChart chart{fmt::format("Worker pool, {}: rolling success (window {}, mean of {})",
                                      to_string(shocks[s]), pc.rule.window, pc.replicates),
                          "task", "rolling success", {}, false};
    for (const PoolPolicy& p : {concord_pool_policy(), reference_pool_policy()}) {
      const ScenarioResult r = run_pool_scenario(pc, p, shocks[s]);
      const long med = median_tasks(r.tasks_to_recover);
      const long adopt = shocks[s] == Shock::better_worker_joins ? median_tasks(r.adoption_tasks) : -2;
      const std::string rec = r.recovery.dropped ? fmt_tasks(r.recovery.tasks_to_recover) : "no drop";
      std::cout << fmt::format("  {:<26} {:<10} {:>6.3f} {:>7.3f} {:>8} {:>8} {:>7.3f} {:>7.3f} {:>9.5f} {:>10} {:>9}\n",
                               to_string(shocks[s]), p.name, r.recovery.pre_shock, r.recovery.min_after, rec,
                               fmt_tasks(med), r.success_before, r.success_after, r.cost_per_success_after,
                               shocks[s] == Shock::worker_dies ? std::to_string(r.dead_dispatches_after_timeout) : "-",
                               adopt == -2 ? std::string("-") : fmt_tasks(adopt));
      csv << fmt::format("{},{},{:.6f},{:.6f},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{},{},{}\n", tags[s], p.name,
                         r.recovery.pre_shock, r.recovery.min_after, r.recovery.dropped ? 1 : 0,
                         r.recovery.tasks_to_recover, med, r.success_before, r.success_after, r.cost_per_success,
                         r.cost_per_success_after, r.dead_dispatches, r.dead_dispatches_after_timeout,
                         adopt == -2 ? std::string("") : std::to_string(adopt));
      plot::Series series;
      series.label = p.name;
      for (std::size_t t = 0; t < r.mean_rolling.size(); ++t) {
        roll_csv << fmt::format("{},{},{},{:.6f}\n", tags[s], p.name, t, r.mean_rolling[t]);
        series.x.push_back(static_cast<double>(t));
        series.y.push_back(r.mean_rolling[t]);
      }
      chart.series.push_back(std::move(series));
    }
    plot::write_line_chart_png(chart, fmt::format("{}/pool_rolling_{}.png", o.out, tags[s]));
  }
  std::cout << fmt::format(
      "  (pre/min: pre-shock level and lowest mean rolling success after the shock; recover: tasks to recover on the\n"
      "   mean curve over replicates; rec.med: median over replicates; succ< / succ>: success before / after the\n"
      "   shock; $/succ>: dollars per success after the shock; dead>1to: dispatches to the dead worker later than one\n"
      "   beacon-timeout after its last beacon; adopt.med: median over replicates of the task (since the join) from\n"
      "   which the newcomer gets >= 10 of the next 20 type-0 tasks it is a candidate for)\n"
      "wrote {0}/pool.csv, {0}/pool_rolling.csv, {0}/pool_rolling_{{a_dies,b_degrades,c_joins}}.png\n",
      o.out);
}

int execute(const Options& o) {
  const std::string dir = o.datasets.empty() ? default_datasets_dir() : o.datasets;
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) throw InputError(o.out, "--out", "cannot create the output folder: " + ec.message());
  if (o.only != "pool") run_replay_eval(o, dir);
  if (o.only != "replay") run_pool_eval(o);
  return kExitOk;
}

}  // namespace

void add_bench_routing_command(CLI::App& bench, int& exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = bench.add_subcommand(
      "routing", "Evaluate the beacon selector: RouterBench replay and a worker pool with shocks (docs/routing.md)");
  cmd->footer(
      "Evaluation 1 replays the LLMs' recorded outcomes on every RouterBench NAME_train.csv / NAME_test.csv pair\n"
      "in <datasets>/routerbench (or the --splits NAMEs): the routers learn on the train split (features, warm start and\n"
      "hyperparameters from train only) and are scored frozen on test, against random, every single model, the best\n"
      "single model and the per-dataset best model in hindsight, the cheapest and the oracle, for each --lambda\n"
      "(reward = correct - lambda x dollars).\n"
      "Evaluation 2 simulates 36 workers over 6 models with shocks (a worker dies / degrades / a better one joins)\n"
      "for Concord's configuration and the reference's. Deterministic by --seed.\n\n"
      "Exit codes: 0 ok; 2 bad input (command line, unreadable or invalid dataset file); 3 internal error.");
  cmd->add_option("--datasets", o->datasets, "Datasets folder (holds routerbench/)")
      ->default_str("$CONCORD_DATASETS or ../shared/datasets");
  cmd->add_option("--out", o->out, "Output folder for CSV and PNG files")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed (same seed, same results)")->transform(unsigned64())->capture_default_str();
  cmd->add_option("--lambda", o->lambdas, "Cost weights for the replay, answers per dollar (several values allowed)")
      ->delimiter(',')
      ->transform(real_in(0, 1e12, false, "answers per dollar"))
      ->capture_default_str();
  cmd->add_option("--table-lambda", o->table_lambda,
                  "Which lambda's full table and regret plot to show (added to --lambda if missing)")
      ->transform(real_in(0, 1e12, false, "answers per dollar"))
      ->capture_default_str();
  cmd->add_option("--replicates", o->replicates, "Replicates per pool scenario")
      ->transform(integer_in(1, 10000))
      ->capture_default_str();
  cmd->add_option("--splits", o->splits, "RouterBench splits to read (NAME of NAME_train.csv / NAME_test.csv; default: all)")
      ->delimiter(',');
  cmd->add_option("--seeds", o->seeds, "Replay seeds for the mean [min, max] reward table (default: --seed)")
      ->delimiter(',')
      ->transform(unsigned64());
  cmd->add_option("--only", o->only, "Run one evaluation: replay or pool")->check(CLI::IsMember({"replay", "pool"}));
  cmd->callback([o, &exit_code] {
    Options opts = *o;
    bool has = false;
    for (double l : opts.lambdas) has = has || l == opts.table_lambda;
    if (!has) opts.lambdas.push_back(opts.table_lambda);
    exit_code = execute(opts);
  });
}

}  // namespace concord::cli

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

void run_replay_eval(const Options& o, const std::string& dir) {
  ReplayConfig rc;
  rc.lambdas = o.lambdas;
  rc.seed = o.seed;
  try {
    rc.validate();
  } catch (const std::invalid_argument& e) {
    bad_flag("--lambda", e);
  }
  const RouterBenchData train = load_routerbench(dir, "train");
  const RouterBenchData test = load_routerbench(dir, "test");
  check_train_test(train, test, dir);
  const ReplayReport rep = run_replay(train, test, rc);

  std::cout << fmt::format(
      "\n== Evaluation 1: replay on real LLM outcomes (RouterBench {}) ==\n", fmt::join(train.datasets, " + "));
  std::cout << fmt::format(
      "{} models; train {} queries (online, shuffled by seed {}), test {} queries (frozen, greedy);\n"
      "reward = correct - lambda x cost (lambda in 1/$); {} empty correctness cells counted as incorrect;\n"
      "bandit reward normalised by C = ${:.6f} (max per-query cost on train).\n",
      rep.models.size(), rep.train_queries, o.seed, rep.test_queries, rep.missing_outcomes, rep.cost_cap_usd);

  auto csv = open_out(o.out + "/replay.csv");
  csv << "lambda,split,policy,queries,accuracy,dollars,reward,regret\n";
  for (const auto& r : rep.rows)
    csv << fmt::format("{},{},\"{}\",{},{:.6f},{:.6f},{:.6f},{:.6f}\n", r.lambda, r.split, r.policy, r.queries,
                       r.accuracy, r.dollars, r.reward, r.regret);

  std::cout << fmt::format("\nlambda = {} (accuracy, total dollars, cumulative regret vs oracle):\n", o.table_lambda);
  std::cout << fmt::format("  {:<64} {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9}\n", "policy", "train acc", "train $",
                           "regret", "test acc", "test $", "regret");
  for (std::size_t i = 0; i + 1 < rep.rows.size(); ++i) {
    const auto& a = rep.rows[i];
    const auto& b = rep.rows[i + 1];
    if (a.lambda != o.table_lambda || a.split != "train (online)") continue;
    std::string name = a.policy;
    for (const auto& m : rep.models) {
      const auto p = name.find(m);
      if (p != std::string::npos) name.replace(p, m.size(), short_model(m));
      const auto q = name.find(m);
      if (q != std::string::npos) name.replace(q, m.size(), short_model(m));
    }
    std::cout << fmt::format("  {:<64} {:>9.3f} {:>9.4f} {:>9.1f} | {:>9.3f} {:>9.4f} {:>9.1f}\n", name, a.accuracy,
                             a.dollars, a.regret, b.accuracy, b.dollars, b.regret);
  }

  // Frontier over lambda, on test.
  auto frontier = open_out(o.out + "/replay_frontier.csv");
  frontier << "lambda,policy,test_accuracy,test_dollars,test_regret\n";
  std::cout << "\naccuracy-vs-cost frontier on test over lambda (accuracy / dollars):\n";
  std::cout << fmt::format("  {:>7} {:>22} {:>22} {:>22} {:>22}\n", "lambda", "linucb-disjoint", "linucb-shared (ref)",
                           "best single (hindsight)", "oracle");
  plot::LineChart fchart{"RouterBench test: accuracy vs dollars over lambda", "total dollars (test)", "accuracy (test)",
                         {}, true};
  const char* keys[] = {"linucb-disjoint", "linucb-shared", "best-single", "oracle"};
  std::vector<plot::Series> fs(4);
  fs[0].label = "LinUCB disjoint (Concord)";
  fs[1].label = "LinUCB shared (reference)";
  fs[2].label = "best single model (hindsight)";
  fs[3].label = "oracle";
  for (double l : o.lambdas) {
    std::string line = fmt::format("  {:>7}", l);
    for (int k = 0; k < 4; ++k)
      for (const auto& r : rep.rows)
        if (r.lambda == l && r.split == "test (frozen)" && r.policy.rfind(keys[k], 0) == 0) {
          line += fmt::format(" {:>13.3f} / {:>6.3f}", r.accuracy, r.dollars);
          frontier << fmt::format("{},\"{}\",{:.6f},{:.6f},{:.6f}\n", l, r.policy, r.accuracy, r.dollars, r.regret);
          fs[static_cast<std::size_t>(k)].x.push_back(r.dollars);
          fs[static_cast<std::size_t>(k)].y.push_back(r.accuracy);
        }
    std::cout << line << '\n';
  }
  fchart.series = fs;
  plot::write_line_chart_png(fchart, o.out + "/replay_frontier.png");

  auto curves = open_out(o.out + "/replay_regret.csv");
  curves << "lambda,policy,step,cumulative_regret\n";
  plot::LineChart chart{fmt::format("RouterBench: cumulative regret vs oracle, lambda = {}", o.table_lambda),
                        fmt::format("query (1..{} train, online; then test, frozen)", rep.train_queries),
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
  std::cout << fmt::format("\nwrote {0}/replay.csv, {0}/replay_frontier.csv, {0}/replay_regret.csv, "
                           "{0}/replay_regret.png, {0}/replay_frontier.png\n",
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
      "in <datasets>/routerbench: LinUCB learns online over the train split and is scored frozen on test, against random, every single model, the best single model\n"
      "in hindsight, the cheapest and the oracle, for each --lambda (reward = correct - lambda x dollars).\n"
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

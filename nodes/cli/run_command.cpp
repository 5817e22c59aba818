#include "cli/run_command.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <unistd.h>
#include <memory>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/number_options.hpp"
#include "cli/printable.hpp"
#include "embedded_cluster.hpp"
#include "cli/load_workflow.hpp"
#include "cli/report.hpp"
#include "model/input_error.hpp"
#include "model/limits.hpp"
#include "plan/policy_registry.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/nominal.hpp"
#include "sim/simulator.hpp"
#include "workloads/datasets.hpp"

namespace concord::cli {

namespace {

struct RunOptions {
  std::string file;
  std::optional<double> budget_usd;
  std::optional<double> deadline_s;
  std::uint64_t seed = 1;
  std::string policy = "mcpp";
  std::string semantics = "runtime";
  std::string engine = "cluster";
  // The embedded cluster's live progress moves at this pace (a 2-minute workflow in about 6 s);
  // joined nodes' workers run at it.
  double time_scale = actors::kDefaultTunables.time_scale;
  int nodes = 3;
  int workers_per_model = 2;
  int worker_slots = 0;  // per simulated worker of the embedded cluster; 0: unlimited (not settable: 1..1024)
  bool quiet = false;
  std::vector<std::string> join;
  actors::TlsFiles tls;
  LoadOptions load;
};

int execute(const RunOptions& o) {
  if (!o.join.empty() && (o.engine == "simulator" || o.semantics == "reference"))
    throw InputError("--join", "",
                     o.engine == "simulator" ? "cannot be combined with --engine simulator (the simulator has no workers to join)"
                                             : "cannot be combined with --semantics reference (it runs on the simulator only)");
  if (o.worker_slots > 0 && (!o.join.empty() || o.engine == "simulator" || o.semantics == "reference"))
    throw InputError("--worker-slots", "",
                     !o.join.empty() ? "cannot be combined with --join (a node's workers get their slots from its workers file)"
                                     : "needs the embedded cluster (--engine cluster, --semantics runtime): the simulator has no worker slots");
  if (o.tls.enabled() && o.join.empty()) throw InputError("--tls-cert", "", "TLS options need --join (the embedded cluster has no network)");
  if (const auto bad = actors::check_tls_files(o.tls, {"--tls-cert", "--tls-key", "--tls-ca"})) throw InputError(*bad, "", "");
  // From here on SIGINT/SIGTERM stop the run (partial report, exit 130/143) instead of killing it.
  InterruptScope interrupt;
  const Workflow wf = load_workflow(o.file, o.load);
  const FlatWorkflow flat = FlatWorkflow::compile(wf);
  RunSettings st;
  st.file = o.file;
  st.seed = o.seed;
  st.semantics = o.semantics == "reference" ? Semantics::reference : Semantics::runtime;

  if (o.budget_usd) {
    st.budget = money_from_dollars(*o.budget_usd);
    st.budget_origin = "--budget";
  } else if (wf.budget_usd) {
    st.budget = money_from_dollars(*wf.budget_usd);
    st.budget_origin = "from the file";
  } else {
    st.budget = nominal_budget(flat);
    st.budget_origin = "nominal: see --help";
  }
  if (o.deadline_s) {
    st.deadline_s = *o.deadline_s;
    st.deadline_origin = "--deadline";
  } else if (wf.deadline_s) {
    st.deadline_s = *wf.deadline_s;
    st.deadline_origin = "from the file";
  } else {
    st.deadline_s = nominal_deadline_s(flat);
    st.deadline_origin = "nominal: see --help";
  }

  std::shared_ptr<Policy> policy = make_policy(o.policy, flat, o.seed);
  st.policy = policy->name();
  EpisodeConfig cfg;
  cfg.semantics = st.semantics;
  cfg.budget = st.budget;
  cfg.deadline_s = st.deadline_s;
  cfg.seed = o.seed;
  cfg.stop = interrupt.flag();
  EpisodeResult result;
  if (o.engine == "simulator" || st.semantics == Semantics::reference) {
    st.engine = "simulator";
    Simulator sim(flat);
    result = sim.run(*policy, cfg);
  } else {
    actors::ClusterOptions co;
    co.nodes = o.nodes;
    co.workers_per_model = o.workers_per_model;
    co.worker_slots = o.worker_slots;
    co.time_scale = o.time_scale;
    co.join = o.join;
    co.tls = o.tls;
    // The embedded cluster runs on a virtual clock: the same report as the simulator for the same
    // seed; the time scale only paces it (0: as fast as it goes). Joined nodes run in real time.
    co.virtual_time = o.join.empty();
    co.pace = co.virtual_time && o.time_scale > 0 && !o.quiet;
    st.engine = !o.join.empty() ? fmt::format("cluster joined through {} (time scale {})", o.join.front(), co.time_scale)
                                : fmt::format("embedded cluster ({} nodes x {} workers per model{}, virtual time)", co.nodes,
                                              co.workers_per_model,
                                              co.worker_slots > 0 ? fmt::format(", {} slot{} each", co.worker_slots, co.worker_slots == 1 ? "" : "s") : std::string());
    auto shared = std::make_shared<const FlatWorkflow>(flat);
    std::unique_ptr<actors::EmbeddedCluster> cluster_ptr;
    try {
      cluster_ptr = std::make_unique<actors::EmbeddedCluster>(shared, co);
    } catch (const std::runtime_error& e) {
      // Joining fails on what the user gave (a seed that does not answer or refuses): exit 2
      // naming --join. An embedded cluster that cannot start is Concord's own failure: exit 3.
      if (!o.join.empty()) throw InputError("--join", "", e.what());
      throw std::runtime_error(std::string("cannot start the embedded cluster: ") + e.what());
    }
    actors::EmbeddedCluster& cluster = *cluster_ptr;
    const bool progress = !o.quiet;
    auto run = cluster.run(policy, cfg, [&](const AttemptTrace& a, int done, int total) {
      if (!progress) return;
      std::fprintf(stderr, "[%8.2f s] %-12s %-10s x%-3d %-7s %s  (%d/%d done)\n", a.end_s,
                   printable(flat.subtask_id(a.subtask)).c_str(), printable(flat.model_id(a.model)).c_str(), a.k,
                   a.succeeded ? "done" : (a.finished ? "failed" : "cut"), format_dollars(a.cost).c_str(), done, total);
    });
    result = std::move(run.result);
    st.detail = run.detail;
    if (run.redispatched > 0) st.detail += (st.detail.empty() ? "" : "; ") + fmt::format("{} samples re-dispatched", run.redispatched);
  }
  std::cout << format_report(wf, flat, st, result) << std::flush;
  if (const int sig = interrupt.signal()) return exit_code_for_signal(sig);  // the user stopped it: 130 / 143
  return result.completed ? kExitOk : kExitConstraintsFailed;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand("run", "Run one episode of a workflow (on the embedded cluster by default, or the simulator) and print a report");
  run->footer(
      "FILE is a Concord workflow (*.json, docs/workflow-format.md), an MCPP DAG-pool file (*.jsonl,\n"
      "with --dag-index and --prices), or proofflow:N / codeflow:N (graph N of the shared datasets,\n"
      "with synthetic profiles).\n\n"
      "Budget and deadline default to the file's budget_usd / deadline_s, else to the nominal values:\n"
      "budget = sum over subtasks of ceil(ln 0.05 / ln(1-p)) x expected sample cost, deadline = longest\n"
      "path of mean latency / p, each with the subtask's first model (its parametric summary when\n"
      "present), as the MCPP reference computes them.\n\n"
      "SIGINT (Ctrl-C) or SIGTERM stops a run: in-flight samples are cancelled and settled with the\n"
      "ledger, and the report of what ran (reason `interrupted`) is printed; a second signal kills it.\n\n"
      "Exit codes: 0 completed within budget and deadline; 1 ran but failed its constraints;\n"
      "2 bad input (command line or file); 3 internal error; 130 interrupted by SIGINT;\n"
      "143 interrupted by SIGTERM.");
  run->add_option("FILE", opts->file, "Workflow to run")->required();
  run->add_option("--budget", opts->budget_usd, "Budget in dollars")
      ->transform(real_in(0.0, limits::kMaxBudgetUsd, false, "dollars"));
  run->add_option("--deadline", opts->deadline_s, "Deadline in seconds from the start")
      ->transform(real_in(0.0, limits::kMaxSeconds, true, "seconds"));
  run->add_option("--seed", opts->seed, "Random seed (same seed, same run)")->transform(unsigned64())->capture_default_str();
  run->add_option("--policy", opts->policy, policy_help())
      ->capture_default_str();
  run->add_option("--semantics", opts->semantics,
                  "runtime: reserve worst case, token caps, first success cancels siblings;\n"
                  "reference: the MCPP paper's simulator (atomic launch, charge at launch)")
      ->check(CLI::IsMember({"runtime", "reference"}))
      ->capture_default_str();
  run->add_option("--engine", opts->engine,
                  "cluster (default): actors on an embedded in-process cluster with simulated workers, on a\n"
                  "virtual clock (deterministic: the simulator's report for the same seed); with --join, on\n"
                  "the joined nodes in real time; simulator: the discrete-event simulator (instant)")
      ->check(CLI::IsMember({"cluster", "simulator"}))
      ->capture_default_str();
  run->add_option("--time-scale", opts->time_scale,
                  "Simulated seconds per real second. Embedded cluster: paces the live progress only (with\n"
                  "--quiet it runs as fast as it can; the report does not depend on it); --join: the workers'")
      ->transform(real_in(1.0, 1e7, false, "simulated seconds per real second"))
      ->capture_default_str();
  run->add_option("--nodes", opts->nodes, "Logical nodes of the embedded cluster")->transform(integer_in(1, 64))->capture_default_str();
  run->add_option("--workers-per-model", opts->workers_per_model, "Simulated workers per model on each node")
      ->transform(integer_in(1, 64))
      ->capture_default_str();
  run->add_option("--worker-slots", opts->worker_slots,
                  "Slots of each simulated worker of the embedded cluster: samples it runs at once, the\n"
                  "others wait in its queue (default: unlimited, the simulator's report for the same seed)")
      ->transform(integer_in(1, 1024));
  run->add_flag("--quiet", opts->quiet, "No live progress on stderr");
  run->add_option("--tls-cert", opts->tls.cert, "With --join: this client's certificate chain (PEM), for a TLS cluster")->group("TLS");
  run->add_option("--tls-key", opts->tls.key, "With --join: this client's private key (PEM)")->group("TLS");
  run->add_option("--tls-ca", opts->tls.ca, "With --join: the cluster's CA certificate (PEM)")->group("TLS");
  run->add_option("--join", opts->join, "HOST:PORT of a `concord node`: run on that cluster's workers instead (repeatable)");
  run->add_option("--dag-index", opts->load.dag_index, "Which DAG of a .jsonl DAG-pool file (0-based)")
      ->transform(integer_in(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  run->add_option("--prices", opts->load.prices_file,
                  "Price table for .jsonl files: JSON {\"model\": dollars per 1M output tokens}\n"
                  "(default: the MCPP paper's prices)");
  run->add_option("--datasets", opts->load.datasets_dir, "Datasets folder for proofflow:N / codeflow:N")
      ->default_str("$CONCORD_DATASETS or ../shared/datasets");
  run->callback([opts, &exit_code] { exit_code = execute(*opts); });
}

}  // namespace concord::cli

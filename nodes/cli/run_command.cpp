#include "cli/run_command.hpp"

#include <cmath>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/load_workflow.hpp"
#include "cli/report.hpp"
#include "model/input_error.hpp"
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
  LoadOptions load;
};

int execute(const RunOptions& o) {
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

  auto policy = make_policy(o.policy, flat, o.seed);
  st.policy = policy->name();
  EpisodeConfig cfg;
  cfg.semantics = st.semantics;
  cfg.budget = st.budget;
  cfg.deadline_s = st.deadline_s;
  cfg.seed = o.seed;
  Simulator sim(flat);
  const EpisodeResult result = sim.run(*policy, cfg);
  std::cout << format_report(wf, flat, st, result);
  return result.completed ? kExitOk : kExitConstraintsFailed;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand("run", "Run one episode of a workflow on the simulator and print a report");
  run->footer(
      "FILE is a Concord workflow (*.json, docs/workflow-format.md), an MCPP DAG-pool file (*.jsonl,\n"
      "with --dag-index and --prices), or proofflow:N / codeflow:N (graph N of the shared datasets,\n"
      "with synthetic profiles).\n\n"
      "Budget and deadline default to the file's budget_usd / deadline_s, else to the nominal values:\n"
      "budget = sum over subtasks of ceil(ln 0.05 / ln(1-p)) x expected sample cost, deadline = longest\n"
      "path of mean latency / p, each with the subtask's first model.\n\n"
      "Exit codes: 0 completed within budget and deadline; 1 ran but failed its constraints;\n"
      "2 bad input (command line or file); 3 internal error.");
  run->add_option("FILE", opts->file, "Workflow to run")->required();
  run->add_option("--budget", opts->budget_usd, "Budget in dollars")->check(CLI::Range(0.0, 1e6));
  run->add_option("--deadline", opts->deadline_s, "Deadline in seconds from the start")->check(CLI::PositiveNumber);
  run->add_option("--seed", opts->seed, "Random seed (same seed, same run)")->capture_default_str();
  run->add_option("--policy", opts->policy, policy_help())
      ->capture_default_str();
  run->add_option("--semantics", opts->semantics,
                  "runtime: reserve worst case, token caps, first success cancels siblings;\n"
                  "reference: the MCPP paper's simulator (atomic launch, charge at launch)")
      ->check(CLI::IsMember({"runtime", "reference"}))
      ->capture_default_str();
  run->add_option("--dag-index", opts->load.dag_index, "Which DAG of a .jsonl DAG-pool file (0-based)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  run->add_option("--prices", opts->load.prices_file,
                  "Price table for .jsonl files: JSON {\"model\": dollars per 1M output tokens}\n"
                  "(default: the MCPP paper's prices)");
  run->add_option("--datasets", opts->load.datasets_dir, "Datasets folder for proofflow:N / codeflow:N")
      ->default_str("$CONCORD_DATASETS or ../shared/datasets");
  run->callback([opts, &exit_code] { exit_code = execute(*opts); });
}

}  // namespace concord::cli

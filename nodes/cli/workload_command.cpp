#include "cli/workload_command.hpp"

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/number_options.hpp"
#include "cli/printable.hpp"
#include "model/dag_pool.hpp"
#include "model/input_error.hpp"
#include "model/workflow_json.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/proofflow.hpp"

namespace concord::cli {

namespace {

struct WorkloadCommandOptions {
  std::string name;
  std::optional<int> index;
  std::string out;
  std::string datasets_dir;
  std::uint64_t seed = 1;
  int samples = 32;
};

int execute(const WorkloadCommandOptions& o) {
  WorkloadOptions wo;
  if (!o.datasets_dir.empty()) wo.datasets_dir = o.datasets_dir;
  wo.seed = o.seed;
  wo.samples_per_profile = o.samples;
  const Workload w = o.name == "proofflow" ? build_proofflow(wo) : build_codeflow(wo);

  if (o.index) {  // one graph, as a Concord workflow file
    const std::string wanted = fmt::format("{}-{}", o.name, *o.index);
    const Workflow* found = nullptr;
    for (const auto& wf : w.workflows)
      if (wf.name == wanted) found = &wf;
    if (!found) {
      for (const auto& s : w.skipped)
        if (static_cast<int>(s.index) == *o.index) throw InputError("--index", "", fmt::format("graph {} is not runnable: {}", *o.index, s.reason));
      throw InputError("--index", "", fmt::format("no graph {} in {}", *o.index, o.name));
    }
    if (o.out.empty() || o.out == "-") std::cout << write_workflow_json(*found);
    else write_workflow_file(*found, o.out);
    return kExitOk;
  }
  if (!o.out.empty()) {  // the whole workload, as DAG-pool JSONL
    if (o.out == "-") std::cout << write_dag_pool(w.workflows);
    else write_dag_pool_file(w.workflows, o.out);
    std::cerr << fmt::format("wrote {} DAGs ({} skipped)\n", w.workflows.size(), w.skipped.size());
    return kExitOk;
  }
  std::cout << fmt::format("{}: {} workflows, {} skipped; {}\n", o.name, w.workflows.size(), w.skipped.size(), w.profile_source);
  for (const auto& wf : w.workflows)
    std::cout << fmt::format("  {:<14} {:>3} subtasks  {}\n", printable(wf.name), wf.subtasks.size(), printable(wf.description.substr(0, 70)));
  for (const auto& s : w.skipped) std::cout << fmt::format("  skipped {:<6} {}\n", printable(s.name), printable(s.reason));
  return kExitOk;
}

}  // namespace

void add_workload_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WorkloadCommandOptions>();
  CLI::App* cmd = app.add_subcommand("workload", "List or export the ProofFlow / CodeFlow-repo workloads (synthetic profiles)");
  cmd->footer(
      "Without --index or --out: lists the workflows and the graphs skipped as invalid (with the reason).\n"
      "--index N: writes graph N as a Concord workflow file (to --out, or stdout).\n"
      "--out FILE without --index: writes the whole workload as MCPP DAG-pool JSONL.\n"
      "Exit codes: 0 ok; 2 bad input; 3 internal error.");
  cmd->add_option("NAME", opts->name, "proofflow or codeflow")->required()->check(CLI::IsMember({"proofflow", "codeflow"}));
  cmd->add_option("--index", opts->index, "Graph number (its index in the dataset)")->transform(integer_in(0, 2147483647));
  cmd->add_option("--out", opts->out, "Output file ('-' for stdout)");
  cmd->add_option("--datasets", opts->datasets_dir, "Datasets folder")->default_str("$CONCORD_DATASETS or ../shared/datasets");
  cmd->add_option("--seed", opts->seed, "Seed of the synthetic profiles")->transform(unsigned64())->capture_default_str();
  cmd->add_option("--samples", opts->samples, "Empirical samples per (subtask, model)")->transform(integer_in(1, 100000))->capture_default_str();
  cmd->callback([opts, &exit_code] { exit_code = execute(*opts); });
}

}  // namespace concord::cli

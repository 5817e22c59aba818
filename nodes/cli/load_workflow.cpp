#include "cli/load_workflow.hpp"

#include <fmt/format.h>

#include "model/dag_pool.hpp"
#include "model/input_error.hpp"
#include "model/workflow_json.hpp"
#include "workloads/codeflow.hpp"
#include "workloads/proofflow.hpp"

namespace concord::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int parse_index(const std::string& file, const std::string& digits) {
  std::size_t used = 0;
  int n = -1;
  try {
    n = std::stoi(digits, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != digits.size() || n < 0) throw InputError(file, "", "expected a graph number after ':' (e.g. proofflow:0)");
  return n;
}

Workflow pick_from_workload(const std::string& file, const Workload& w, int wanted_index) {
  // N is the index in the dataset's list; graphs skipped as invalid cannot be run.
  const std::string wanted_name = fmt::format("{}-{}", file.substr(0, file.find(':')), wanted_index);
  for (const auto& wf : w.workflows)
    if (wf.name == wanted_name) return wf;
  for (const auto& s : w.skipped)
    if (static_cast<int>(s.index) == wanted_index)
      throw InputError(file, "", fmt::format("graph {} is not runnable: {}", wanted_index, s.reason));
  throw InputError(file, "", fmt::format("no graph {} (the dataset has {} graphs)", wanted_index,
                                         w.workflows.size() + w.skipped.size()));
}

}  // namespace

Workflow load_workflow(const std::string& file, const LoadOptions& options) {
  for (const char* kind : {"proofflow:", "codeflow:"}) {
    if (file.rfind(kind, 0) != 0) continue;
    const int index = parse_index(file, file.substr(std::string(kind).size()));
    WorkloadOptions wo;
    if (!options.datasets_dir.empty()) wo.datasets_dir = options.datasets_dir;
    wo.seed = options.workload_seed;
    const Workload w = std::string(kind) == "proofflow:" ? build_proofflow(wo) : build_codeflow(wo);
    return pick_from_workload(file, w, index);
  }
  if (ends_with(file, ".jsonl")) {
    const PriceTable prices = options.prices_file ? read_price_table_file(*options.prices_file) : paper_price_table();
    auto dags = read_dag_pool_file(file, prices);
    if (options.dag_index < 0 || options.dag_index >= static_cast<int>(dags.size()))
      throw InputError("--dag-index", "", fmt::format("{} is out of range: {} holds {} DAGs", options.dag_index, file, dags.size()));
    return std::move(dags[static_cast<std::size_t>(options.dag_index)]);
  }
  return read_workflow_file(file);
}

}  // namespace concord::cli

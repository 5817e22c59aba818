#pragma once
// `concord workload NAME`: list or export the benchmark workloads built from the datasets.
#include <CLI/CLI.hpp>

namespace concord::cli {

void add_workload_command(CLI::App& app, int& exit_code);

}  // namespace concord::cli

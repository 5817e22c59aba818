#pragma once
// `concord bench WORKLOAD`: completion probability of MCPP and the paper's
// baselines over a budget x deadline grid (docs/bench.md).
#include <CLI/CLI.hpp>

namespace concord::cli {

/// Registers `bench` and returns it. `bench` accepts at most one subcommand (e.g.
/// `bench routing`); without one it needs WORKLOAD. `exit_code` receives the
/// command's exit code when it runs.
CLI::App* add_bench_command(CLI::App& app, int& exit_code);

}  // namespace concord::cli

#pragma once
// `concord bench calibration`: the calibrated promise and learned profiles (issue 12,
// docs/learning.md). Simulated workflows whose true profiles are hidden from a learning MCPP
// planner; prints the reliability table, the expected calibration error and the completion of
// the learner against a planner that knows the true profiles; writes CSV + a PNG into --out.
#include <CLI/CLI.hpp>

namespace concord::cli {

/// Registers the `calibration` subcommand on the `bench` app; `exit_code` receives its exit code.
void add_bench_calibration_command(CLI::App& bench, int& exit_code);

}  // namespace concord::cli

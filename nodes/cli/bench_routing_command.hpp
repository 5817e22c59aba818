#pragma once
// `concord bench routing`: the two evaluations of the beacon selector (issue 4,
// docs/routing.md): replay on real LLM outcomes (RouterBench) and a simulated
// worker pool with shocks. Prints the tables, writes CSV + PNG into --out.
#include <CLI/CLI.hpp>

namespace concord::cli {

/// Registers the `routing` subcommand on the `bench` app; `exit_code` receives its exit code.
void add_bench_routing_command(CLI::App& bench, int& exit_code);

}  // namespace concord::cli

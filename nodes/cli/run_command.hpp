#pragma once
// `concord run FILE`: run one episode of a workflow and print the report.
#include <CLI/CLI.hpp>

namespace concord::cli {

/// Registers the subcommand; `exit_code` receives the command's exit code when it runs.
void add_run_command(CLI::App& app, int& exit_code);

}  // namespace concord::cli

#pragma once
// `concord node`: one cluster node (an OS process) hosting simulated workers.
#include <CLI/CLI.hpp>

namespace concord::cli {

void add_node_command(CLI::App& app, int& exit_code);

}  // namespace concord::cli

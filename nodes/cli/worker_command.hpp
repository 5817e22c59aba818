#pragma once
#include <CLI/CLI.hpp>

namespace concord::cli {

/// `concord worker`: an external model worker process (OpenAI-compatible HTTP, exec, simulated).
void add_worker_command(CLI::App& app, int& exit_code);

}  // namespace concord::cli

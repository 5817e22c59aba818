#pragma once
// The client side of the service edge: `concord submit`, `watch`, `cancel`, `status`, talking to
// a node's --gateway with edge::Client (protocols/edge/client.hpp).
#include <CLI/CLI.hpp>

namespace concord::cli {

void add_service_commands(CLI::App& app, int& exit_code);

}  // namespace concord::cli

#pragma once
// The hidden `concord chaos-client`: what `concord chaos --hosts` runs inside host 0's network
// namespace. It submits run K's workflow (chaos_workload.hpp) to the gateway, watches it to its
// end, asks the node's status and prints the facts in one line (or, with --expect-members,
// checks that the cluster is whole). Not for users: docs/chaos.md.
#include <CLI/CLI.hpp>

namespace concord::cli {

void add_chaos_client_command(CLI::App& app, int& exit_code);

}  // namespace concord::cli

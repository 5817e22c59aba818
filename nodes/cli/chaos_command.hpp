#pragma once
// `concord chaos`: workflows run continuously on an embedded cluster (virtual clock) while its
// workers play seeded faults; after every run the invariants are checked (docs/chaos.md).
#include <CLI/CLI.hpp>

namespace concord::cli {

void add_chaos_command(CLI::App& app, int& exit_code);

}  // namespace concord::cli

// concord — command-line entry point. Subcommands register themselves on the
// CLI11 app; this file maps outcomes to the documented exit codes.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/bench_calibration_command.hpp"
#include "cli/bench_command.hpp"
#include "cli/bench_routing_command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/node_command.hpp"
#include "cli/printable.hpp"
#include "cli/run_command.hpp"
#include "cli/chaos_client_command.hpp"
#include "cli/chaos_command.hpp"
#include "cli/service_commands.hpp"
#include "cli/worker_command.hpp"
#include "cli/workload_command.hpp"
#include "edge/client.hpp"
#include "model/input_error.hpp"

int main(int argc, char** argv) {
  using namespace concord::cli;
  CLI::App app{"concord — run multi-agent LLM workflows on time and within budget"};
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok; 1 workflow failed its budget/deadline; 2 bad input; 3 internal error;\n"
             "130 / 143 a run stopped by SIGINT / SIGTERM (partial report printed).\n"
             "Run `concord COMMAND --help` for a command's options.");
  // One line per error, naming the flag and the reason; what the user typed is escaped.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "concord: error: " + printable(e.what()) + " (see --help)\n";
  });
  int exit_code = kExitOk;
  add_run_command(app, exit_code);
  add_workload_command(app, exit_code);
  add_node_command(app, exit_code);
  add_service_commands(app, exit_code);
  add_worker_command(app, exit_code);
  add_chaos_command(app, exit_code);
  add_chaos_client_command(app, exit_code);
  CLI::App* bench = add_bench_command(app, exit_code);
  add_bench_routing_command(*bench, exit_code);
  add_bench_calibration_command(*bench, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return code == 0 ? kExitOk : kExitBadInput;
  } catch (const concord::edge::ClientError& e) {
    std::cerr << "concord: error: " << printable_lines(e.what()) << '\n';
    return kExitBadInput;
  } catch (const concord::InputError& e) {
    std::cerr << "concord: error: " << printable_lines(e.what()) << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "concord: internal error: " << printable_lines(e.what()) << '\n';
    return kExitInternal;
  }
  return exit_code;
}

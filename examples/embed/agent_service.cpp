// agent_service -- a tiny agent service embedding Concord (docs/embedding.md).
//
// It reads one request per line on stdin and answers one line per request on stdout:
//   KIND STEPS [BUDGET_USD [DEADLINE_S]]   e.g. `research 3` or `review 5 0.05 600`
// Each request becomes a workflow built in code (a plan step, STEPS parallel steps of KIND,
// then a summary), planned and run by Concord on an embedded cluster of simulated workers, or
// with --gateway on a running cluster through a node's gateway (the service edge's client path:
// the node plans and runs it on its workers); the answer carries whether it completed, its spend
// and its makespan. A line starting with '{' is a workflow in Concord's JSON format instead.
// `quit` or end of input stops it.
//
//   printf 'research 3\nreview 5 0.05 600\n' | ./agent_service
//   ./agent_service --gateway tcp://127.0.0.1:7000 [--server-key NODE.pub --client-key CLIENT.key]
#include <concord/concord.hpp>

#include <iostream>
#include <optional>
#include <sstream>
#include <string>

namespace {

/// Two models: a cheap, fast, unreliable one and a dear, slow, reliable one.
concord::Profile profile(double p_success, double latency_s, double tokens) {
  concord::Profile p;
  p.parametric = concord::ParametricProfile{p_success, latency_s, latency_s / 4, tokens};
  return p;
}

concord::Subtask step(const std::string& id, std::vector<std::string> deps) {
  concord::Subtask s;
  s.id = id;
  s.deps = std::move(deps);
  s.profiles["small"] = profile(0.55, 4.0, 800);
  s.profiles["large"] = profile(0.90, 12.0, 1500);
  return s;
}

concord::Workflow build(const std::string& kind, int steps) {
  concord::Workflow wf;
  wf.name = kind + "-" + std::to_string(steps);
  wf.models = {{"small", 0.6, std::nullopt, 4000}, {"large", 8.0, std::nullopt, 6000}};
  wf.subtasks.push_back(step("plan", {}));
  std::vector<std::string> all;
  for (int i = 1; i <= steps; ++i) {
    all.push_back(kind + "_" + std::to_string(i));
    wf.subtasks.push_back(step(all.back(), {"plan"}));
  }
  wf.subtasks.push_back(step("summary", all));
  return wf;
}

}  // namespace

const char* const kUsage =
    "usage: agent_service [--gateway tcp://HOST:PORT [--server-key NODE.pub --client-key CLIENT.key]]\n"
    "Reads requests on stdin, one per line: KIND STEPS [BUDGET_USD [DEADLINE_S]], or a workflow in JSON;\n"
    "answers one line each on stdout. Without --gateway: an embedded cluster of simulated workers.\n"
    "Exit codes: 0 end of input or quit; 2 bad arguments.\n";

int main(int argc, char** argv) {
  concord::RuntimeOptions options;  // default: an embedded cluster, 3 nodes x 2 simulated workers per model
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--gateway" && has_value) {
      options.gateway = argv[++i];
    } else if (arg == "--server-key" && has_value) {
      options.gateway_server_key = argv[++i];
    } else if (arg == "--client-key" && has_value) {
      options.gateway_client_key = argv[++i];
    } else {
      std::cerr << "agent_service: bad argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }
  std::optional<concord::Runtime> made;
  try {
    made.emplace(options);
  } catch (const std::exception& e) {  // concord::InputError: names the option and the reason
    std::cerr << "agent_service: " << e.what() << "\n";
    return 2;
  }
  const concord::Runtime& runtime = *made;
  std::cout << "agent_service: Concord " << concord::version() << ", ready"
            << (options.gateway.empty() ? "" : ", through " + options.gateway) << std::endl;
  std::string line;
  for (int n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty()) continue;
    if (line == "quit") break;
    try {
      concord::Workflow wf;
      concord::RunRequest req;
      if (line.front() == '{') {
        wf = concord::Runtime::parse_workflow(line, "request " + std::to_string(n));
      } else {
        std::istringstream in(line);
        std::string kind;
        int steps = 0;
        double budget = 0, deadline = 0;
        if (!(in >> kind >> steps) || steps < 1 || steps > 50) {
          std::cout << "request " << n << ": error: expected KIND STEPS [BUDGET_USD [DEADLINE_S]], STEPS in 1..50" << std::endl;
          continue;
        }
        if (in >> budget) req.budget_usd = budget;
        if (in >> deadline) req.deadline_s = deadline;
        wf = build(kind, steps);
      }
      const concord::RunReport r = runtime.run(wf, req);
      std::cout << "request " << n << ": " << wf.name << ": " << (r.completed ? "completed" : "failed (" + r.reason + ")")
                << ", spend $" << r.spend_usd << " of $" << r.budget_usd << ", makespan " << r.makespan_s << " s of "
                << r.deadline_s << " s, " << r.subtasks_done << "/" << r.subtasks_total << " subtasks"
                << (r.workflow_id ? ", workflow " + std::to_string(r.workflow_id) + " on the node" : "") << std::endl;
    } catch (const std::exception& e) {  // concord::InputError names the field and the reason
      std::cout << "request " << n << ": error: " << e.what() << std::endl;
    }
  }
  return 0;
}

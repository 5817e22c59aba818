#include "chaos_client_command.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "chaos_workload.hpp"
#include "edge/client.hpp"
#include "exit_codes.hpp"
#include "model/workflow_json.hpp"
#include "number_options.hpp"
#include "printable.hpp"

namespace concord::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct ChaosClientOptions {
  std::string to, workload = "proofflow", datasets_dir, policy = "mcpp";
  int dags = 24;
  std::uint64_t seed = 1, run = 0;
  double timeout_s = 120;
  int expect_members = 0, expect_workers = 0;
  double wait_s = 5;
};

/// --expect-members: waits (at most wait_s) until the gateway's node counts that many members
/// and live workers; prints CHAOS-MEMBERS; exit 0 if complete, 1 if not.
int check_members(const ChaosClientOptions& o) {
  edge::Client client(edge::ClientOptions{o.to, 2, "", ""});
  const auto t0 = Clock::now();
  std::string members;
  std::uint32_t live = 0;
  do {
    const auto r = client.call(service::StatusRequest{});
    if (const auto* s = std::get_if<service::StatusReply>(&r)) {
      members.clear();
      for (const auto& n : s->nodes) members += (members.empty() ? "" : ",") + n;
      live = 0;
      for (const auto& m : s->workers) live += m.live;
      if (static_cast<int>(s->nodes.size()) == o.expect_members && static_cast<int>(live) == o.expect_workers) {
        std::cout << fmt::format("CHAOS-MEMBERS complete=1 members={} live={}\n", members, live);
        return kExitOk;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (seconds_since(t0) < o.wait_s);
  std::cout << fmt::format("CHAOS-MEMBERS complete=0 members={} live={}\n", members, live);
  return kExitConstraintsFailed;
}

/// Submits run `run`'s workflow, watches it to its end, asks the node's status, and prints the
/// facts in one line (CHAOS-RUN k=v ...; money in picodollars, times in simulated seconds).
int client_run(const ChaosClientOptions& o) {
  const ChaosWorkload work(o.workload, o.dags, o.datasets_dir);
  const PlannedRun p = work.plan(o.seed, o.run);
  service::SubmitRequest s;
  s.workflow_json = write_workflow_json(*p.workflow);
  s.source_name = p.workflow->name;
  s.policy = o.policy;
  s.seed = p.plan.seed;
  s.budget = p.budget;
  s.deadline_s = p.deadline_s;
  edge::Client client(edge::ClientOptions{o.to, 10, "", ""});
  const auto t0 = Clock::now();
  const auto r = client.call(s);
  const auto* a = std::get_if<service::Accepted>(&r);
  if (!a) {
    const auto* x = std::get_if<service::Refused>(&r);
    std::cerr << fmt::format("concord chaos-client: the node did not accept run {}: {}\n", o.run, x ? printable_lines(x->text) : "no answer");
    return kExitInternal;
  }
  Money settled = 0, budget = 0;
  std::uint32_t subtasks = 0;
  std::uint64_t lost = 0;
  std::map<std::string, int> successes;
  std::optional<service::Ended> end;
  try {
    end = client.watch(
        a->workflow, 1,
        [&](const service::Event& e) {
          if (const auto* st = std::get_if<service::Started>(&e.body)) {
            budget = st->budget;
            subtasks = st->subtasks;
          } else if (const auto* x = std::get_if<service::SampleSettled>(&e.body)) {
            settled += x->cost;
          } else if (const auto* x = std::get_if<service::SubtaskEnded>(&e.body); x && x->succeeded) {
            ++successes[x->subtask];
          } else if (const auto* x = std::get_if<service::Lost>(&e.body)) {
            lost += x->to_seq - x->from_seq + 1;
          }
          return seconds_since(t0) < o.timeout_s;
        },
        o.timeout_s);
  } catch (const edge::ClientError& e) {
    std::cerr << fmt::format("concord chaos-client: watching workflow {}: {}\n", a->workflow, printable_lines(e.what()));
  }
  Money status_spend = -1, status_reserved = -1;
  const auto sr = client.call(service::StatusRequest{});
  if (const auto* st = std::get_if<service::StatusReply>(&sr))
    for (const auto& w : st->workflows)
      if (w.workflow == a->workflow) {
        status_spend = w.spend;
        status_reserved = w.reserved;
      }
  // The gateway waits (up to 2 s) for the ledger's reservations to settle and says in the report
  // what was still reserved then.
  Money reserved_at_end = 0;
  std::smatch m;
  if (end && std::regex_search(end->report, m, std::regex("(\\d+) picodollars still reserved at the end")))
    reserved_at_end = std::strtoll(m[1].str().c_str(), nullptr, 10);
  std::string succ;
  for (const auto& [name, n] : successes) succ += (succ.empty() ? "" : ",") + std::to_string(n);
  std::cout << fmt::format("CHAOS-RUN run={} id={} workflow={} budget={} subtasks={} ended={} reason={} completed={} spend={} makespan_s={:.3f} "
                           "done={} settled={} status_spend={} status_reserved={} reserved_at_end={} lost={} successes={} wall_s={:.3f}\n",
                           o.run, a->workflow, p.workflow->name, budget, subtasks, end ? 1 : 0,
                           end ? std::string(to_string(end->reason)) : "none", end && end->completed ? 1 : 0, end ? end->spend : 0,
                           end ? end->makespan_s : 0.0, end ? end->subtasks_done : 0, settled, status_spend, status_reserved,
                           reserved_at_end, lost, succ, seconds_since(t0))
            << std::flush;
  return kExitOk;
}

}  // namespace

void add_chaos_client_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ChaosClientOptions>();
  CLI::App* cmd = app.add_subcommand("chaos-client", "Run one `concord chaos --hosts` run against a gateway (the harness runs it)");
  cmd->group("");  // hidden: an internal step of `concord chaos --hosts`
  cmd->add_option("--to", o->to, "tcp://HOST:PORT of the gateway")->required();
  cmd->add_option("--workload", o->workload, "As `concord chaos WORKLOAD`");
  cmd->add_option("--dags", o->dags, "As `concord chaos --dags`")->transform(integer_in(0, 100000));
  cmd->add_option("--datasets", o->datasets_dir, "As `concord chaos --datasets`");
  cmd->add_option("--seed", o->seed, "Root seed")->transform(unsigned64());
  cmd->add_option("--run", o->run, "Run number")->transform(unsigned64());
  cmd->add_option("--policy", o->policy, "Planning policy");
  cmd->add_option("--timeout", o->timeout_s, "Real seconds to watch at most")->transform(real_in(0.0, 1e6, false, "seconds"));
  cmd->add_option("--expect-members", o->expect_members, "Only check the cluster: N members")->transform(integer_in(1, 1000));
  cmd->add_option("--expect-workers", o->expect_workers, "... and W live workers")->transform(integer_in(0, 1000000));
  cmd->add_option("--wait", o->wait_s, "... within S real seconds")->transform(real_in(0.0, 3600.0, true, "seconds"));
  cmd->callback([o, &exit_code] {
    try {
      exit_code = o->expect_members > 0 ? check_members(*o) : client_run(*o);
    } catch (const edge::ClientError& e) {
      std::cerr << "concord chaos-client: " << printable_lines(e.what()) << '\n';
      exit_code = kExitInternal;
    }
  });
}

}  // namespace concord::cli

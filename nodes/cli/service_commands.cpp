#include "cli/service_commands.hpp"

#include <map>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/load_workflow.hpp"
#include "cli/number_options.hpp"
#include "cli/output_files.hpp"
#include "cli/printable.hpp"
#include "edge/client.hpp"
#include "edge/curve_keys.hpp"
#include "model/input_error.hpp"
#include "model/limits.hpp"
#include "model/workflow_json.hpp"
#include "service/workflow_registry.hpp"

namespace concord::cli {

namespace {

using namespace concord::service;

struct Connection {
  std::string to;
  double timeout_s = 10;
  std::string curve_server, curve_key;  // files: the node's public key, this client's secret key
};

void add_connection(CLI::App* cmd, Connection& c) {
  cmd->add_option("--to", c.to, "tcp://HOST:PORT of a node's --gateway")->required();
  cmd->add_option("--timeout", c.timeout_s, "Seconds to wait for the node's answer")
      ->transform(real_in(0.0, 86400.0, false, "seconds"))
      ->capture_default_str();
  cmd->add_option("--curve-server", c.curve_server, "The node's CURVE public key file (with --curve-key)");
  cmd->add_option("--curve-key", c.curve_key, "This client's CURVE secret key file (its .pub must be in the node's --clients)");
}

edge::Client connect(const Connection& c) {
  if (c.to.rfind("tcp://", 0) != 0) throw InputError("--to", "", fmt::format("\"{}\": expected tcp://HOST:PORT", c.to));
  if (c.curve_server.empty() != c.curve_key.empty())
    throw InputError(c.curve_server.empty() ? "--curve-key" : "--curve-server", "", "--curve-server and --curve-key go together");
  edge::ClientOptions o{c.to, c.timeout_s, "", ""};
  if (!c.curve_server.empty()) {
    o.curve_server_public = edge::read_curve_key(c.curve_server);
    o.curve_secret = edge::read_curve_key(c.curve_key);
  }
  return edge::Client(o);
}

/// A refusal on stderr, and its exit code (2: the request was refused).
int refused(const char* command, const Refused& r) {
  std::cerr << fmt::format("concord {}: refused ({}): {}", command, to_string(r.code), printable_lines(r.text));
  if (r.retry_after_s > 0) std::cerr << fmt::format(" (retry after {:.1f} s)", r.retry_after_s);
  std::cerr << '\n';
  return r.code == RefusalCode::internal ? kExitInternal : kExitBadInput;
}

int unexpected(const char* command, const Response& r) {
  std::cerr << fmt::format("concord {}: internal error: unexpected answer (kind {})\n", command, r.index());
  return kExitInternal;
}

/// Watches to the end: progress on stderr (as `concord run`), the report on stdout.
int follow(edge::Client& client, WorkflowId id, Seq from, bool quiet, bool events, double idle_s, const std::string& output_dir) {
  std::map<std::string, std::string> outputs;  // completed subtasks' accepted outputs
  auto end = client.watch(
      id, from,
      [&](const Event& e) {
        if (events) std::cout << fmt::format("event {} seq {} t {:.3f} kind {}", e.workflow, e.seq, e.time_s, e.body.index()) << '\n';
        if (const auto* lost = std::get_if<Lost>(&e.body))
          std::cerr << fmt::format("concord watch: events {}..{} of workflow {} are no longer available{}\n", lost->from_seq,
                                   lost->to_seq, id,
                                   lost->to_seq + 1 == WorkflowRegistry::kRestoredEndSeq
                                       ? " (its node restarted: the events from before the restart are gone)"
                                       : "");
        if (const auto* s = std::get_if<SubtaskEnded>(&e.body); s && s->succeeded) outputs[s->subtask] = s->output;
        if (const auto* p = std::get_if<Promised>(&e.body); p && !quiet)
          std::fprintf(stderr, "[%8.2f s] promise: P(complete within budget and deadline) = %.2f\n", e.time_s, p->probability);
        if (const auto* s = std::get_if<SubtaskEnded>(&e.body); s && !quiet)
          std::fprintf(stderr, "[%8.2f s] %-12s %-10s x%-3u %-7s %s  (%u/%u done)\n", e.time_s, printable(s->subtask).c_str(),
                       printable(s->model).c_str(), s->k, s->succeeded ? "done" : (s->finished ? "failed" : "cut"),
                       format_dollars(s->cost).c_str(), s->subtasks_done, s->subtasks_total);
        return true;
      },
      idle_s);
  if (!end) return kExitInternal;
  if (!output_dir.empty()) write_output_files(output_dir, outputs);
  std::cout << end->report << std::flush;
  return end->completed ? kExitOk : kExitConstraintsFailed;
}

struct SubmitOptions {
  std::string file;
  Connection c;
  std::string tenant, key, policy;
  std::optional<double> budget_usd, deadline_s;
  std::uint64_t seed = 1;
  bool watch = false, quiet = false, events = false;
  double idle_s = 600;
  LoadOptions load;
  std::string output_dir;
};

int submit(const SubmitOptions& o) {
  const Workflow wf = load_workflow(o.file, o.load);  // the file is checked here first: errors name it
  SubmitRequest s;
  s.workflow_json = write_workflow_json(wf);
  s.tenant = o.tenant;
  s.idempotency_key = o.key;
  s.source_name = o.file;
  s.policy = o.policy;
  s.seed = o.seed;
  if (o.budget_usd) s.budget = money_from_dollars(*o.budget_usd);
  if (o.deadline_s) s.deadline_s = *o.deadline_s;
  // --watch: a Watch from sequence 1 follows the answer (nothing is missed: the node replays).
  auto client = connect(o.c);
  const Response r = client.call(s);
  if (const auto* x = std::get_if<Refused>(&r)) return refused("submit", *x);
  const auto* a = std::get_if<Accepted>(&r);
  if (!a) return unexpected("submit", r);
  std::cout << fmt::format("workflow {} {} by {}", a->workflow, a->duplicate ? "already submitted (same key): nothing started" : "accepted",
                           o.c.to)
            << std::endl;
  if (!o.watch) return kExitOk;
  return follow(client, a->workflow, 1, o.quiet, o.events, o.idle_s, o.output_dir);
}

}  // namespace

void add_service_commands(CLI::App& app, int& exit_code) {
  const char* exits =
      "Exit codes: 0 done (submit, cancel, status) or, when watching, the workflow completed within\n"
      "budget and deadline; 1 it ended without completing; 2 bad input, refused by the node, or no\n"
      "answer from --to; 3 internal error.";
  {
    auto o = std::make_shared<SubmitOptions>();
    CLI::App* cmd = app.add_subcommand("submit", "Submit a workflow to a node's gateway (the node hosts and runs it)");
    cmd->footer(std::string("FILE as for `concord run`. Budget and deadline default to the file's, else the nominal ones.\n"
                            "With --watch: live progress on stderr and the final report on stdout, as `concord run`.\n") +
                exits);
    cmd->add_option("FILE", o->file, "Workflow to submit")->required();
    add_connection(cmd, o->c);
    cmd->add_option("--tenant", o->tenant, "Who pays (default: default)");
    cmd->add_option("--key", o->key, "Idempotency key: resubmitting with the same key starts nothing");
    cmd->add_option("--policy", o->policy, "Planner policy, as `concord run --policy` (default mcpp)");
    cmd->add_option("--budget", o->budget_usd, "Budget in dollars")->transform(real_in(0.0, limits::kMaxBudgetUsd, false, "dollars"));
    cmd->add_option("--deadline", o->deadline_s, "Deadline in seconds")->transform(real_in(0.0, limits::kMaxSeconds, false, "seconds"));
    cmd->add_option("--seed", o->seed, "Random seed")->transform(unsigned64())->capture_default_str();
    cmd->add_flag("--watch", o->watch, "Follow the workflow to its end");
    cmd->add_flag("--quiet", o->quiet, "No live progress on stderr");
    cmd->add_flag("--events", o->events, "Print every event received (one line each) on stdout");
    cmd->add_option("--idle-timeout", o->idle_s, "Give up watching after this many seconds without an event")
        ->transform(real_in(0.0, 1e6, false, "seconds"))
        ->capture_default_str();
    cmd->add_option("--datasets", o->load.datasets_dir, "Datasets folder for proofflow:N / codeflow:N");
    cmd->add_option("--output", o->output_dir, "With --watch: write each completed subtask's output to DIR/ID.txt");
    cmd->callback([o, &exit_code] { exit_code = submit(*o); });
  }
  {
    struct WatchOptions {
      WorkflowId id = 0;
      Seq from = 1;
      Connection c;
      bool quiet = false, events = false;
      double idle_s = 600;
      std::string output_dir;
    };
    auto o = std::make_shared<WatchOptions>();
    CLI::App* cmd = app.add_subcommand("watch", "Follow a workflow hosted by a node: live progress, then the final report");
    cmd->footer(std::string("Events the node still holds are replayed from --from (a client that reconnects resumes\n"
                            "where it stopped); a workflow that already ended prints its report at once.\n") +
                exits);
    cmd->add_option("ID", o->id, "Workflow id (from `concord submit`)")->required()->transform(unsigned64());
    add_connection(cmd, o->c);
    cmd->add_option("--from", o->from, "First event sequence number to receive")->transform(unsigned64())->capture_default_str();
    cmd->add_flag("--quiet", o->quiet, "No live progress on stderr");
    cmd->add_flag("--events", o->events, "Print every event received (one line each) on stdout");
    cmd->add_option("--idle-timeout", o->idle_s, "Give up after this many seconds without an event")
        ->transform(real_in(0.0, 1e6, false, "seconds"))
        ->capture_default_str();
    cmd->add_option("--output", o->output_dir, "Write each completed subtask's output to DIR/ID.txt");
    cmd->callback([o, &exit_code] {
      auto client = connect(o->c);
      try {
        exit_code = follow(client, o->id, o->from, o->quiet, o->events, o->idle_s, o->output_dir);
      } catch (const edge::ClientError& e) {
        std::cerr << "concord watch: " << printable_lines(e.what()) << '\n';
        exit_code = kExitBadInput;
      }
    });
  }
  {
    struct CancelOptions {
      WorkflowId id = 0;
      Connection c;
    };
    auto o = std::make_shared<CancelOptions>();
    CLI::App* cmd = app.add_subcommand("cancel", "Stop a workflow hosted by a node (in-flight samples are cancelled and settled)");
    cmd->footer(exits);
    cmd->add_option("ID", o->id, "Workflow id")->required()->transform(unsigned64());
    add_connection(cmd, o->c);
    cmd->callback([o, &exit_code] {
      auto client = connect(o->c);
      const Response r = client.call(CancelRequest{o->id});
      if (const auto* x = std::get_if<Refused>(&r)) {
        exit_code = refused("cancel", *x);
        return;
      }
      if (!std::holds_alternative<Accepted>(r)) {
        exit_code = unexpected("cancel", r);
        return;
      }
      std::cout << fmt::format("workflow {}: cancel requested (it ends with reason interrupted)", o->id) << std::endl;
      exit_code = kExitOk;
    });
  }
  {
    struct KeygenOptions {
      std::string out, name = "concord";
    };
    auto o = std::make_shared<KeygenOptions>();
    CLI::App* cmd = app.add_subcommand("keygen", "Write a CURVE key pair for a gateway or a client: OUT/NAME.key and OUT/NAME.pub");
    cmd->footer(
        "A node serves CURVE with `--curve-secret OUT/NODE.key --clients DIR` (DIR holds the allowed\n"
        "clients' .pub files); a client connects with `--curve-server NODE.pub --curve-key CLIENT.key`.\n"
        "The .key file is written with mode 0600. Exit codes: 0 written; 2 bad input (cannot write).");
    cmd->add_option("--out", o->out, "Folder to write the keys to (created if missing)")->required();
    cmd->add_option("--name", o->name, "File name of the pair")->capture_default_str();
    cmd->callback([o, &exit_code] {
      if (o->name.empty() || o->name.find('/') != std::string::npos) throw InputError("--name", "", "a file name without '/' is required");
      const auto keys = edge::write_curve_key_pair(o->out, o->name);
      std::cout << fmt::format("wrote {}/{}.key (secret) and {}/{}.pub: {}", printable(o->out), printable(o->name), printable(o->out),
                               printable(o->name), keys.public_z85)
                << std::endl;
      exit_code = kExitOk;
    });
  }
  {
    auto c = std::make_shared<Connection>();
    CLI::App* cmd = app.add_subcommand("status", "A node's view: cluster members, live workers per model, hosted workflows and tenant ledgers");
    cmd->footer(exits);
    add_connection(cmd, *c);
    cmd->callback([c, &exit_code] {
      auto client = connect(*c);
      const Response r = client.call(StatusRequest{});
      if (const auto* x = std::get_if<Refused>(&r)) {
        exit_code = refused("status", *x);
        return;
      }
      const auto* s = std::get_if<StatusReply>(&r);
      if (!s) {
        exit_code = unexpected("status", r);
        return;
      }
      std::string nodes;
      for (const auto& n : s->nodes) nodes += (nodes.empty() ? "" : ", ") + printable(n);
      std::cout << fmt::format("node       {}\nmembers    {}\n", printable(s->node), nodes);
      for (const auto& m : s->workers) std::cout << fmt::format("workers    {:<16} {} live\n", printable(m.model), m.live);
      std::cout << fmt::format("workflows  {} hosted (at most {} running)\n", s->workflows.size(), s->max_workflows);
      for (const auto& w : s->workflows)
        std::cout << fmt::format("  {:>6}  {:<8} {:<10} {:<24} spend {} of {}  reserved {}  events {}\n", w.workflow,
                                 w.state == WorkflowState::running ? "running" : "ended", printable(w.tenant), printable(w.name),
                                 format_dollars(w.spend), format_dollars(w.budget), format_dollars(w.reserved), w.last_seq);
      // Tenant ledgers hosted by this node (docs/negotiation.md "Actors"); exact picodollars in brackets.
      for (const auto& t : s->tenants)
        std::cout << fmt::format("tenant     {:<16} committed {} + reserved {} of {} per {}  lease {} s  leases {} live  "
                                 "[{} + {} <= {} picodollars]  total {}  uncovered {}  expired {}\n",
                                 printable(t.name), format_dollars(t.committed), format_dollars(t.reserved), format_dollars(t.budget),
                                 t.period_s < 0 ? std::string("period (one)") : fmt::format("{} s", t.period_s), t.lease_s, t.live_leases,
                                 t.committed, t.reserved, t.budget, format_dollars(t.committed_total), format_dollars(t.uncovered),
                                 t.expired_holdings);
      exit_code = kExitOk;
    });
  }
}

}  // namespace concord::cli

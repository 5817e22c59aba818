#include "node_command.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/number_options.hpp"
#include "cli/printable.hpp"
#include "cli/node_config.hpp"
#include "cluster_network.hpp"
#include "messages.hpp"
#include "model/input_error.hpp"
#include "node_manager.hpp"

namespace concord::cli {

namespace {

/// After SIGINT/SIGTERM, how long the orderly shutdown may take before the process just exits.
constexpr int kStopGraceSeconds = 3;

struct NodeCommandOptions {
  std::string name;
  std::string listen;  // empty: the config file's [node] listen, else 127.0.0.1:0
  std::vector<std::string> seeds;
  std::string workers_file;
  std::string config_file;
  actors::TlsFiles tls;  // --tls-cert/--tls-key/--tls-ca, else the config file's [node] tls-*
  double time_scale = 0;  // 0: the config file's [node] time-scale, else the default
  std::uint32_t protocol_version = proto::kProtocolVersion;  // hidden: tests of the version check
};

actors::HostPort host_port(const std::string& s, const std::string& flag) {
  const auto hp = actors::parse_host_port(s);
  if (!hp) throw InputError(flag, "", fmt::format("\"{}\": expected HOST:PORT with a port in 0..65535", s));
  return *hp;
}

int execute(NodeCommandOptions o) {
  // Validate everything before starting anything.
  if (o.name.empty() || o.name.find('/') != std::string::npos)
    throw InputError("--name", "", "a node name is required and may not contain '/'");
  NodeCafSettings settings;
  const std::string config = !o.config_file.empty() ? o.config_file
                             : std::filesystem::exists("caf-application.ini") ? "caf-application.ini" : "";
  if (!config.empty()) settings = read_caf_settings(config);
  // The command line wins over the file's [node] section.
  if (o.listen.empty()) o.listen = !settings.node.listen.empty() ? settings.node.listen : "127.0.0.1:0";
  if (o.seeds.empty()) o.seeds = settings.node.seeds;
  if (o.workers_file.empty()) o.workers_file = settings.node.workers_file;
  if (o.time_scale == 0) o.time_scale = settings.node.time_scale > 0 ? settings.node.time_scale : actors::kDefaultTunables.time_scale;
  if (!o.tls.enabled()) o.tls = settings.node.tls;
  if (const auto bad = actors::check_tls_files(o.tls, {"--tls-cert", "--tls-key", "--tls-ca"})) throw InputError(*bad, "", "");
  const auto [host, port] = host_port(o.listen, "--listen");
  for (const auto& seed : o.seeds) host_port(seed, "--seed");
  std::vector<actors::HostedWorkers> workers;
  if (!o.workers_file.empty()) workers = read_workers_file(o.workers_file);

  // SIGINT/SIGTERM are taken by sigwait() below; every thread CAF starts inherits the mask.
  // A parent may have left them ignored (inherited through exec): sigwait would never see them.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  caf::actor_system_config cfg;
  proto::register_messages(cfg);
  actors::configure_cluster_network(cfg, settings.heartbeat_interval_s, settings.connection_timeout_s);
  actors::configure_cluster_tls(cfg, o.tls);
  cfg.set("scheduler.max-threads",
          settings.max_threads ? settings.max_threads : static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency())));
  cfg.set("logger.verbosity", caf::atom_from_string(settings.log_verbosity));
  int code = kExitOk;
  {
    caf::actor_system sys{cfg};
    actors::NodeOptions no;
    no.name = o.name;
    no.workers = workers;
    no.time_scale = o.time_scale;
    const caf::actor manager = actors::spawn_node_manager(sys, no);
    auto bound = actors::publish_node(sys, manager, host, port, o.tls);
    if (!bound) {
      std::cerr << fmt::format("concord node: error: --listen {}: {}\n", o.listen, sys.render(bound.error()));
      caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
      return kExitBadInput;
    }
    int hosted = 0;
    for (const auto& w : workers) hosted += w.count;
    std::cout << fmt::format("concord node {}: listening on {}:{} ({} workers, protocol {}{})", printable(o.name), printable(host), *bound, hosted,
                             o.protocol_version, o.tls.enabled() ? ", mutual TLS" : "")
              << std::endl;
    caf::scoped_actor self{sys};
    for (const auto& seed : o.seeds) {
      const auto [shost, sport] = host_port(seed, "--seed");
      auto peer = actors::connect_node(sys, shost, sport, o.tls);
      if (!peer) {
        const bool handshake = peer.error() == caf::sec::disconnect_during_handshake;
        std::cerr << fmt::format("concord node {}: error: --seed {}: cannot connect: {}{}\n", printable(o.name), printable(seed),
                                 sys.render(peer.error()),
                                 handshake ? " (the seed hung up: with TLS on either side, both need certificates signed by the same "
                                             "cluster CA: --tls-cert/--tls-key/--tls-ca)"
                                           : "");
        code = kExitBadInput;
        break;
      }
      proto::join_request req;
      req.protocol_version = o.protocol_version;
      req.node = o.name;
      req.manager = manager;
      self->request(*peer, std::chrono::seconds(5), req)
          .receive(
              [&](proto::join_reply& reply) {
                if (!reply.accepted) {
                  std::cerr << fmt::format("concord node {}: error: --seed {}: join refused: {}\n", printable(o.name), seed,
                                           printable(reply.reason));
                  code = kExitBadInput;
                  return;
                }
                // Learn the members and introduce ourselves to each (they monitor us, we monitor them).
                for (std::size_t i = 0; i < reply.members.size(); ++i) {
                  if (reply.member_names[i] == o.name) continue;
                  proto::join_request hello = req;
                  self->send(reply.members[i], hello);
                  // Our manager learns the members too: it monitors them and refuses their names.
                  self->send(manager, proto::join_request{req.protocol_version, reply.member_names[i], reply.members[i]});
                  std::cout << fmt::format("concord node {}: member {}", printable(o.name), printable(reply.member_names[i]))
                            << std::endl;
                }
              },
              [&](caf::error& e) {
                std::cerr << fmt::format("concord node {}: error: --seed {}: no answer: {}\n", printable(o.name), printable(seed), sys.render(e));
                code = kExitBadInput;
              });
      if (code != kExitOk) break;
    }
    if (code == kExitOk) {
      int sig = 0;
      sigwait(&signals, &sig);  // run until SIGINT/SIGTERM
      std::cout << fmt::format("concord node {}: stopping (signal {})", printable(o.name), sig) << std::endl;
      // A bounded stop: CAF 0.17's actor system can wait forever in its destructor for a detached
      // helper of an automatic connection still being made (seen when stopped right after a
      // join, ~1 stop in 15). The node holds no state worth more than that: after
      // kStopGraceSeconds it leaves anyway, with the same exit code.
      std::thread([name = o.name] {
        std::this_thread::sleep_for(std::chrono::seconds(kStopGraceSeconds));
        std::cerr << fmt::format("concord node {}: the actor system did not stop within {} s; exiting\n", printable(name),
                                 kStopGraceSeconds);
        std::fflush(nullptr);
        std::_Exit(kExitOk);
      }).detach();
    }
    // Every actor must exit or the actor system's destructor waits forever (CAF-0.17.md).
    self->send(manager, proto::stop_atom::value);
    actors::unpublish_node(sys, manager, *bound, o.tls);
    caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
  }
  return code;
}

}  // namespace

void add_node_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<NodeCommandOptions>();
  CLI::App* cmd = app.add_subcommand("node", "Run a cluster node hosting simulated model workers");
  cmd->footer(
      "The node publishes its manager on --listen, joins the cluster through --seed nodes (a node\n"
      "speaking another protocol version is refused, with the reason on both sides), and runs until\n"
      "SIGINT or SIGTERM. Workers file: {\"workers\": [{\"model\": \"goedel8b\", \"count\": 2}]}\n"
      "(count: 1..1024 workers of that model, default 1).\n"
      "Settings come from --config or ./caf-application.ini: [node] listen, seeds, workers,\n"
      "time-scale (the flags of the same names win), [scheduler] max-threads, [middleman]\n"
      "heartbeat-interval / connection-timeout, [logger] verbosity; unknown keys are refused.\n"
      "TLS (--tls-cert/--tls-key/--tls-ca or [node] tls-cert/tls-key/tls-ca): mutual; every\n"
      "node and `concord run --join` client needs a certificate signed by the same CA\n"
      "(deploy/tls/make-ca.sh makes them). Example: deploy/systemd/node.ini.example.\n"
      "Node names are unique: a node named like a live member is refused. Defaults: heartbeat\n"
      "50ms, timeout 400ms (a hung peer is dropped within 0.45 s), max-threads = cores. SIGINT or\n"
      "SIGTERM stops the node within 3 s. Run a workflow on the cluster with\n"
      "`concord run FILE --join HOST:PORT`.\n"
      "Exit codes: 0 stopped by a signal; 2 bad input or refused join; 3 internal error.");
  cmd->add_option("--name", opts->name, "Node name, unique in the cluster")->required();
  cmd->add_option("--listen", opts->listen, "HOST:PORT to listen on (port 0: pick one, printed on stdout); default 127.0.0.1:0");
  cmd->add_option("--seed", opts->seeds, "HOST:PORT of a node to join through (repeatable)");
  cmd->add_option("--workers", opts->workers_file, "JSON file of the simulated workers this node hosts");
  cmd->add_option("--config", opts->config_file, "Node and CAF settings (INI); default ./caf-application.ini if present");
  cmd->add_option("--tls-cert", opts->tls.cert, "TLS: this node's certificate chain (PEM); with --tls-key and --tls-ca")->group("TLS");
  cmd->add_option("--tls-key", opts->tls.key, "TLS: this node's private key (PEM, not encrypted)")->group("TLS");
  cmd->add_option("--tls-ca", opts->tls.ca, "TLS: the cluster's CA certificate (PEM): peers must present a certificate it signed")
      ->group("TLS");
  cmd->add_option("--time-scale", opts->time_scale,
                  fmt::format("Simulated seconds per real second (requests carry the client's); default {}", actors::kDefaultTunables.time_scale))
      ->transform(real_in(1.0, 1e7, false, "simulated seconds per real second"));
  cmd->add_option("--protocol-version", opts->protocol_version, "Protocol version to announce (for tests)")
      ->transform(integer_in(0, 4294967295))
      ->group("");
  cmd->callback([opts, &exit_code] { exit_code = execute(*opts); });
}

}  // namespace concord::cli

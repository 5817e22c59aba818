#include "node_command.hpp"

#include <chrono>
#include <cmath>
#include <map>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/number_options.hpp"
#include "cli/printable.hpp"
#include "cli/node_config.hpp"
#include "cli/node_metrics.hpp"
#include "cli/report.hpp"
#include "cli/tenants_file.hpp"
#include "cluster_network.hpp"
#include "edge/curve_keys.hpp"
#include "edge/gateway_socket.hpp"
#include "gateway_actor.hpp"
#include "ledger/ledger_directory.hpp"
#include "time/clock.hpp"
#include "worker_hub.hpp"
#include "edge/worker_socket.hpp"
#include "selector_actor.hpp"
#include "tenant_ledger_actor.hpp"
#include "messages.hpp"
#include "model/input_error.hpp"
#include "model/money.hpp"
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
  std::string gateway;           // tcp://HOST:PORT: serve clients (protocols/concord.capnp); empty: none
  std::size_t max_workflows = 1024;
  double retention_s = 600;
  std::size_t events_per_workflow = 4096;
  bool insecure = false;
  std::string curve_secret_file;  // the node's CURVE secret key (`concord keygen`)
  std::string clients_dir;        // allowed clients' *.pub
  std::string metrics;            // HOST:PORT: Prometheus text format at /metrics; empty: none
  std::string worker_endpoint;    // tcp://HOST:PORT: external workers attach here; empty: none
  double worker_heartbeat_s = 1;  // real seconds between a worker's heartbeats
  double worker_timeout_s = 5;    // real seconds of silence after which a worker is dead
  std::string profiles_file;      // SQLite profile store (learned profiles); empty: none
  std::string data_dir;           // journals of the hosted workflows' ledgers; empty: the config file's [node] data-dir, else in memory
  std::string tenants_file;       // tenant ledgers this node hosts (cli/tenants_file.hpp); empty: the config file's [node] tenants, else none
};

/// The worker endpoint's socket, reachable from the hub's proxies until the node stops it.
struct WorkerSocketRef {
  std::mutex mx;
  std::unique_ptr<edge::WorkerSocket> socket;
};

/// The gateway's socket, reachable from the gateway actor's thread until the node stops it.
struct SocketRef {
  std::mutex mx;
  std::unique_ptr<edge::GatewaySocket> socket;
};

/// tcp://HOST:PORT on a loopback address (127.0.0.0/8, ::1, localhost)?
bool loopback_endpoint(const std::string& endpoint) {
  const std::string rest = endpoint.substr(endpoint.find("://") == std::string::npos ? 0 : endpoint.find("://") + 3);
  return rest.rfind("127.", 0) == 0 || rest.rfind("localhost:", 0) == 0 || rest.rfind("[::1]:", 0) == 0;
}

/// The final report of a hosted run: the text `concord run` prints.
std::string hosted_report(const actors::HostedReport& h) {
  RunSettings st;
  st.file = h.source_name;
  st.policy = h.policy;
  st.semantics = Semantics::runtime;
  st.seed = h.seed;
  st.budget = h.budget;
  st.deadline_s = h.deadline_s;
  st.engine = h.engine;
  st.detail = h.detail;
  st.budget_origin = h.budget_origin;
  st.deadline_origin = h.deadline_origin;
  st.outputs = h.outputs;
  st.promise = h.promise;
  return format_report(h.workflow, h.flat, st, h.result);
}

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
  o.insecure = o.insecure || settings.node.insecure;
  if (const auto bad = actors::check_tls_files(o.tls, {"--tls-cert", "--tls-key", "--tls-ca"})) throw InputError(*bad, "", "");
  const auto [host, port] = host_port(o.listen, "--listen");
  // A cluster port reachable from other hosts takes any peer's messages: TLS, or an explicit --insecure.
  if (!loopback_endpoint(o.listen) && host != "::1" && !o.tls.enabled() && !o.insecure)
    throw InputError("--listen", "", fmt::format("\"{}\" is not a loopback address: give the cluster TLS (--tls-cert, --tls-key, "
                                                 "--tls-ca) or pass --insecure",
                                                 o.listen));
  for (const auto& seed : o.seeds) host_port(seed, "--seed");
  std::vector<actors::HostedWorkers> workers;
  if (!o.workers_file.empty()) workers = read_workers_file(o.workers_file);
  if (!o.gateway.empty()) {
    if (o.gateway.rfind("tcp://", 0) != 0)
      throw InputError("--gateway", "", fmt::format("\"{}\": expected tcp://HOST:PORT", o.gateway));
    if (!loopback_endpoint(o.gateway) && !o.insecure && o.curve_secret_file.empty())
      throw InputError("--gateway", "", fmt::format("\"{}\" is not a loopback address: give it CURVE authentication "
                                                    "(--curve-secret, --clients) or pass --insecure", o.gateway));
  }
  if (o.curve_secret_file.empty() != o.clients_dir.empty())
    throw InputError(o.curve_secret_file.empty() ? "--clients" : "--curve-secret", "",
                     "--curve-secret and --clients go together (the node's secret key, the allowed clients' public keys)");
  if (!o.curve_secret_file.empty() && o.gateway.empty() && o.worker_endpoint.empty())
    throw InputError("--curve-secret", "", "needs --gateway or --worker-endpoint");
  if (!o.worker_endpoint.empty()) {
    if (o.worker_endpoint.rfind("tcp://", 0) != 0)
      throw InputError("--worker-endpoint", "", fmt::format("\"{}\": expected tcp://HOST:PORT", o.worker_endpoint));
    if (!loopback_endpoint(o.worker_endpoint) && !o.insecure && o.curve_secret_file.empty())
      throw InputError("--worker-endpoint", "", fmt::format("\"{}\" is not a loopback address: give it CURVE authentication "
                                                            "(--curve-secret, --clients) or pass --insecure", o.worker_endpoint));
    if (!(o.worker_timeout_s > o.worker_heartbeat_s))
      throw InputError("--worker-timeout", "", fmt::format("{} s must be longer than --worker-heartbeat ({} s)", o.worker_timeout_s, o.worker_heartbeat_s));
  }
  std::string curve_secret;
  std::set<std::string> allowed;
  if (!o.curve_secret_file.empty()) {
    curve_secret = edge::read_curve_key(o.curve_secret_file);
    allowed = edge::read_allowed_clients(o.clients_dir);
  }
  if (!o.metrics.empty()) host_port(o.metrics, "--metrics");
  if (o.tenants_file.empty()) o.tenants_file = settings.node.tenants_file;
  std::vector<TenantEntry> tenants;
  if (!o.tenants_file.empty()) tenants = read_tenants_file(o.tenants_file);  // InputError names the file, field, reason
  if (!o.profiles_file.empty() && o.gateway.empty()) throw InputError("--profiles", "", "needs --gateway (profiles are learned by the workflows a node hosts)");
  std::shared_ptr<learn::LiveProfiles> profiles;
  if (!o.profiles_file.empty()) profiles = std::make_shared<learn::LiveProfiles>(o.profiles_file);  // InputError names the file
  // --data-dir: locked for the node's life, then the restart rule on every live journal (docs/ledger.md).
  if (o.data_dir.empty()) o.data_dir = settings.node.data_dir;
  std::shared_ptr<ledger::LedgerDirectory> data_dir;
  ledger::Recovery recovery;
  if (!o.data_dir.empty()) {
    if (o.gateway.empty()) throw InputError("--data-dir", "", "needs --gateway (only the workflows a gateway hosts have ledgers on this node)");
    try {
      data_dir = std::make_shared<ledger::LedgerDirectory>(o.data_dir);
    } catch (const ledger::DataDirError& e) {
      throw InputError("--data-dir", "", e.what());
    }
    recovery = data_dir->recover();
    for (const auto& s : recovery.skipped)
      std::cerr << fmt::format("concord node {}: --data-dir: skipping {}: {} (the file is left as it is; its workflow id is not reused)\n",
                               printable(o.name), printable(s.path), printable(s.reason));
    for (const auto& r : recovery.recovered)
      std::cerr << fmt::format("concord node {}: --data-dir: workflow {} ended coordinator_restarted: {} records replayed{}, {} "
                               "reservation(s) in flight charged at their full amount ({} picodollars), committed {} of {} picodollars ({})\n",
                               printable(o.name), r.workflow, r.records, r.torn ? fmt::format(" (a torn last record of {} bytes dropped)", r.torn->bytes) : "",
                               r.in_flight, r.in_flight_charged, r.committed, r.budget, printable(r.path));
  }

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
  actors::configure_cluster_network(cfg, settings.heartbeat_interval_s, settings.connection_timeout_s, settings.max_message_size);
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
    std::shared_ptr<NodeMetrics> metrics;
    if (!o.metrics.empty()) {
      try {
        metrics = std::make_shared<NodeMetrics>(o.metrics);
      } catch (const std::exception& e) {
        std::cerr << fmt::format("concord node {}: error: --metrics {}: {}\n", printable(o.name), printable(o.metrics), e.what());
        return kExitBadInput;
      }
    }
    // One line per member lost (crash or heartbeat timeout), on stderr: operators and
    // bench/netns_scale.sh (detection times) read it.
    no.on_member_down = [metrics, name = o.name](const std::string& member) {
      if (metrics) metrics->member_lost();
      std::cerr << fmt::format("concord node {}: member {} lost (crashed, or silent past the heartbeat timeout) at unix time {:.3f}\n",
                               printable(name), printable(member), static_cast<double>(unix_time_ns()) / 1e9);
    };
    // A node with a gateway has a selector for the workflows it hosts: every worker of the cluster
    // beacons to it. A node without one hosts nothing and has none (no beacon traffic for it).
    proto::selector_actor selector;
    if (!o.gateway.empty()) {
      selector = actors::spawn_selector(sys, actors::SelectorOptions{});
      no.selector = caf::actor_cast<caf::actor>(selector);
    }
    // The tenant ledgers this node hosts: found by every node's gateway through the node managers.
    std::map<std::string, proto::tenant_actor> tenant_ledgers;
    for (const auto& t : tenants) {
      actors::TenantLedgerOptions to;
      to.name = t.name, to.config = t.config;
      const auto a = actors::spawn_tenant_ledger(sys, to);
      tenant_ledgers.emplace(t.name, a);
      no.tenants.emplace(t.name, caf::actor_cast<caf::actor>(a));
    }
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
    for (const auto& t : tenants)
      std::cout << fmt::format("concord node {}: tenant {}: {} per {}, lease {} s", printable(o.name), t.name,
                               format_dollars(t.config.budget_per_period),
                               std::isfinite(t.config.period_s) ? fmt::format("period of {} s", t.config.period_s) : std::string("period (one)"),
                               t.config.lease_s)
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
                // Learn the members and introduce ourselves to each (they monitor us, we monitor them);
                // a gateway node's selector hears every member's workers (the managers subscribe each
                // other's selectors as they learn of each other: node_manager.hpp).
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
    auto socket_ref = std::make_shared<SocketRef>();
    proto::gateway_actor gateway;
    if (code == kExitOk && !o.gateway.empty()) {
      actors::GatewayOptions go;
      go.node_name = o.name;
      go.node_manager = manager;
      go.selector = selector;
      go.time_scale = o.time_scale;
      go.registry.max_running = o.max_workflows;
      go.registry.retention_s = o.retention_s;
      go.registry.events_per_workflow = o.events_per_workflow;
      go.send = [socket_ref](const std::string& peer, const service::Response& r) {
        std::lock_guard lock(socket_ref->mx);
        if (socket_ref->socket) socket_ref->socket->send(peer, r);
      };
      go.report = hosted_report;
      go.observer = metrics;
      go.profiles = profiles;
      go.data_dir = data_dir;
      go.restored = recovery.recovered;
      go.tenants = tenant_ledgers;
      gateway = actors::spawn_gateway(sys, std::move(go));
      try {
        edge::GatewaySocketOptions so;
        so.endpoint = o.gateway;
        so.curve_secret_z85 = curve_secret;
        so.allowed_clients = allowed;
        auto socket = std::make_unique<edge::GatewaySocket>(so, [gateway](std::string peer, service::Request r) {
          caf::anon_send(gateway, proto::client_request{std::move(peer), std::move(r)});
        });
        std::cout << fmt::format("concord node {}: gateway on {}{}", printable(o.name), socket->bound_endpoint(),
                                 curve_secret.empty() ? std::string(" (no authentication)")
                                                      : fmt::format(" (CURVE, {} allowed clients)", allowed.size()))
                  << std::endl;
        if (metrics) metrics->attach_socket(&socket->counters());
        std::lock_guard lock(socket_ref->mx);
        socket_ref->socket = std::move(socket);
      } catch (const std::exception& e) {
        std::cerr << fmt::format("concord node {}: error: --gateway {}: {}\n", printable(o.name), printable(o.gateway), e.what());
        code = kExitBadInput;
      }
    }
    auto worker_socket_ref = std::make_shared<WorkerSocketRef>();
    caf::actor hub;
    auto external_counters = std::make_shared<actors::ExternalWorkerCounters>();
    if (code == kExitOk && !o.worker_endpoint.empty()) {
      actors::WorkerHubOptions ho;
      ho.node_name = o.name;
      ho.node_manager = manager;
      ho.heartbeat_interval_s = o.worker_heartbeat_s;
      ho.heartbeat_timeout_s = o.worker_timeout_s;
      ho.counters = external_counters;
      ho.send = [worker_socket_ref](const std::string& peer, const service::NodeMessage& m) {
        std::lock_guard lock(worker_socket_ref->mx);
        if (worker_socket_ref->socket) worker_socket_ref->socket->send(peer, m);
      };
      ho.log = [name = o.name](const std::string& line) { std::cerr << fmt::format("concord node {}: {}\n", printable(name), printable(line)); };
      hub = actors::spawn_worker_hub(sys, std::move(ho));
      if (metrics) metrics->attach_external(external_counters);
      try {
        edge::WorkerSocketOptions wo;
        wo.endpoint = o.worker_endpoint;
        wo.curve_secret_z85 = curve_secret;
        wo.allowed_clients = allowed;
        auto socket = std::make_unique<edge::WorkerSocket>(wo, [hub](std::string peer, service::WorkerMessage m) {
          caf::anon_send(hub, proto::external_message{std::move(peer), std::move(m)});
        });
        std::cout << fmt::format("concord node {}: worker endpoint on {}{}", printable(o.name), socket->bound_endpoint(),
                                 curve_secret.empty() ? std::string(" (no authentication)")
                                                      : fmt::format(" (CURVE, {} allowed keys)", allowed.size()))
                  << std::endl;
        std::lock_guard lock(worker_socket_ref->mx);
        worker_socket_ref->socket = std::move(socket);
      } catch (const std::exception& e) {
        std::cerr << fmt::format("concord node {}: error: --worker-endpoint {}: {}\n", printable(o.name), printable(o.worker_endpoint), e.what());
        code = kExitBadInput;
      }
    }
    if (metrics && code == kExitOk)
      std::cout << fmt::format("concord node {}: metrics on http://{}:{}/metrics", printable(o.name),
                               printable(o.metrics.substr(0, o.metrics.rfind(':'))), metrics->port())
                << std::endl;
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
    if (gateway) self->send(gateway, proto::stop_atom::value);
    if (hub) self->send(hub, proto::stop_atom::value);
    {
      std::unique_ptr<edge::WorkerSocket> socket;
      {
        std::lock_guard lock(worker_socket_ref->mx);
        socket = std::move(worker_socket_ref->socket);
      }
    }  // the worker socket's thread is joined here
    {
      std::unique_ptr<edge::GatewaySocket> socket;
      {
        std::lock_guard lock(socket_ref->mx);
        socket = std::move(socket_ref->socket);
      }
      if (metrics) metrics->detach_socket();
    }  // the socket's thread is joined here
    if (selector) caf::anon_send_exit(selector, caf::exit_reason::user_shutdown);
    for (const auto& [name, t] : tenant_ledgers) caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
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
      "(count: 1..1024 workers of that model, default 1; optional \"slots\": 1..1024 samples each\n"
      "runs at once, more wait in its FIFO queue; default unlimited).\n"
      "Settings come from --config or ./caf-application.ini: [node] listen, seeds, workers,\n"
      "time-scale (the flags of the same names win), [scheduler] max-threads, [middleman]\n"
      "heartbeat-interval / connection-timeout / max-message-size (largest message a peer may\n"
      "announce, default 64MiB; a peer's first message: 64KiB), [logger] verbosity; unknown keys\n"
      "are refused. [node] data-dir=\"DIR\" is --data-dir, [node] tenants=\"FILE\" is --tenants.\n"
      "TLS (--tls-cert/--tls-key/--tls-ca or [node] tls-cert/tls-key/tls-ca): mutual; every\n"
      "node and `concord run --join` client needs a certificate signed by the same CA\n"
      "(deploy/tls/make-ca.sh makes them). A --listen address outside loopback (127.0.0.0/8, ::1,\n"
      "localhost) needs TLS or --insecure. Example: deploy/systemd/node.ini.example.\n"
      "Node names are unique: a node named like a live member is refused. Defaults: heartbeat\n"
      "50ms, timeout 400ms (a hung peer is dropped within 0.45 s), max-threads = cores. SIGINT or\n"
      "SIGTERM stops the node within 3 s. Run a workflow on the cluster with\n"
      "`concord run FILE --join HOST:PORT`, or serve clients with --gateway (concord submit/watch/\n"
      "cancel/status; docs/service.md).\n"
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
  cmd->add_option("--gateway", opts->gateway,
                  "tcp://HOST:PORT: serve clients (concord submit/watch/cancel/status, or any ZeroMQ + Cap'n Proto\n"
                  "client: protocols/concord.capnp); workflows submitted here are hosted by this node. Port 0: any\n"
                  "(printed on stdout). Loopback only, unless --insecure");
  cmd->add_option("--max-workflows", opts->max_workflows, "Workflows the gateway runs at once; beyond, Submit is refused (busy)")
      ->transform(integer_in(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--retention", opts->retention_s, "Real seconds an ended workflow's events stay watchable")
      ->transform(real_in(0.0, 1e7, true, "seconds"))
      ->capture_default_str();
  cmd->add_option("--events-per-workflow", opts->events_per_workflow, "Events buffered per workflow for watchers that reconnect")
      ->transform(integer_in(16, 10'000'000))
      ->capture_default_str();
  cmd->add_flag("--insecure", opts->insecure,
                "Allow --listen (without TLS), a gateway or worker endpoint (without CURVE) on a non-loopback\n"
                "address; or [node] insecure=true");
  cmd->add_option("--metrics", opts->metrics, "HOST:PORT: serve Prometheus metrics at /metrics (port 0: any, printed)");
  cmd->add_option("--curve-secret", opts->curve_secret_file, "The gateway's and worker endpoint's CURVE secret key file (`concord keygen`)");
  cmd->add_option("--clients", opts->clients_dir, "Folder of the allowed clients' and workers' CURVE public keys (*.pub)");
  cmd->add_option("--profiles", opts->profiles_file,
                  "SQLite profile store: hosted MCPP runs plan with the profiles learned from every answered sample,\n"
                  "kept here for the next runs; promises are calibrated on earlier outcomes (docs/learning.md)");
  cmd->add_option("--data-dir", opts->data_dir,
                  "Folder (created if missing; one node at a time: locked) where every hosted workflow's ledger is\n"
                  "journaled, one file per workflow (group commit: one fdatasync per burst of operations). At start,\n"
                  "the node replays every journal it finds there: reservations in flight are charged at their full\n"
                  "reserved amount and those workflows end coordinator_restarted; a corrupt journal is logged and\n"
                  "skipped. Needs --gateway. docs/ledger.md");
  cmd->add_option("--tenants", opts->tenants_file,
                  "JSON file of the tenant ledgers this node hosts: {\"tenants\": [{\"name\": \"acme\", \"budget_usd\": 5,\n"
                  "\"period_s\": 3600, \"lease_s\": 10}]}. Workflows submitted (to any node) with --tenant NAME draw\n"
                  "their money from it; once any node lists a tenant, a submit must name a listed one. Or [node]\n"
                  "tenants=\"FILE\". docs/negotiation.md");
  cmd->add_option("--worker-endpoint", opts->worker_endpoint,
                  "tcp://HOST:PORT: external workers attach here (`concord worker`, or any ZeroMQ + Cap'n Proto\n"
                  "program: protocols/concord.capnp's worker protocol). Loopback only, unless CURVE or --insecure");
  cmd->add_option("--worker-heartbeat", opts->worker_heartbeat_s, "Real seconds between an external worker's heartbeats")
      ->transform(real_in(0.01, 3600, false, "seconds"))
      ->capture_default_str();
  cmd->add_option("--worker-timeout", opts->worker_timeout_s, "Real seconds of silence after which an external worker is dead")
      ->transform(real_in(0.02, 36000, false, "seconds"))
      ->capture_default_str();
  cmd->add_option("--protocol-version", opts->protocol_version, "Protocol version to announce (for tests)")
      ->transform(integer_in(0, 4294967295))
      ->group("");
  cmd->callback([opts, &exit_code] { exit_code = execute(*opts); });
}

}  // namespace concord::cli

#pragma once
// A node's gateway: the workflows submitted to this node over the wire (protocols/concord.capnp)
// are hosted here — each gets its own ledger, planner and workflow actor on this node, and uses
// the workers of the whole cluster through the node's selector. The gateway answers requests
// (submit, watch, cancel, status), numbers every hosted workflow's events and sends them to its
// watchers. What to keep (admission, idempotency, event buffers, retention) is
// runtime/service/workflow_registry.hpp; this actor only translates. The socket thread
// (protocols/edge/gateway_socket.hpp) feeds it client_request messages.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include "learn/live_profiles.hpp"
#include <caf/actor.hpp>

#include "ledger/ledger_directory.hpp"

#include "gateway_observer.hpp"
#include "interfaces.hpp"
#include "model/workflow.hpp"
#include "service/service_messages.hpp"
#include "service/workflow_registry.hpp"
#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"
#include "time/clock.hpp"

namespace concord::actors {

/// What the final report of a hosted run is made from (nodes/ formats it as `concord run` does).
struct HostedReport {
  const Workflow& workflow;
  const FlatWorkflow& flat;
  const EpisodeResult& result;
  std::string source_name, policy, budget_origin, deadline_origin, detail, engine;
  std::uint64_t seed = 1;
  Money budget = 0;
  double deadline_s = 0;
  std::vector<std::string> outputs;  // per subtask: a real worker's accepted output
  double promise = -1;               // the planner's at its first decision, calibrated (< 0: none)
};

struct GatewayOptions {
  std::string node_name;
  caf::actor node_manager;            // answers members_atom
  proto::selector_actor selector;     // the node's: knows the cluster's workers
  double time_scale = 1000;           // simulated seconds per real second (the node's workers)
  service::RegistryOptions registry;
  /// Sends a response or event to a client (the socket's send: thread-safe, never blocks).
  std::function<void(const std::string& peer, const service::Response&)> send;
  /// The final report's text; may be empty (then the report is empty).
  std::function<std::string(const HostedReport&)> report;
  const Clock* clock = &real_clock();  // retention is measured on it (real seconds)
  std::int64_t (*wall_ns)() = unix_time_ns;  // stamps Event.wall_ns (ns since the Unix epoch)
  double tick_s = 1;                   // how often ended workflows past retention are forgotten
  std::shared_ptr<GatewayObserver> observer;  // metrics; may be null
  /// Learned profiles (`concord node --profiles FILE`, learn/live_profiles.hpp): MCPP plans with
  /// the posterior, every answered sample updates it, the promise is calibrated. May be null.
  std::shared_ptr<learn::LiveProfiles> profiles;
  /// `concord node --data-dir`: every hosted workflow's ledger is journaled there, one file per
  /// workflow (docs/ledger.md, "Durable ledger in a running node"). Null: ledgers in memory.
  std::shared_ptr<const ledger::LedgerDirectory> data_dir;
  /// What data_dir->recover() found at startup: each workflow is known again under its id, ended
  /// `coordinator_restarted` with its replayed spend (watchers see that end).
  std::vector<ledger::RecoveredLedger> restored;
  /// The tenant ledgers this node hosts (`concord node --tenants`), by name: `status` reports them.
  /// Tenants named at submit are found through node_manager (on any node of the cluster).
  std::map<std::string, proto::tenant_actor> tenants;
};

/// The final event of a workflow whose node restarted (its ledger recovered by the restart rule).
service::Ended restored_end(const ledger::RecoveredLedger& r);

proto::gateway_actor spawn_gateway(caf::actor_system& sys, GatewayOptions options);

}  // namespace concord::actors

#pragma once
// The node manager: one per `concord node` process, published on its listen
// port. It hosts the node's simulated workers, admits peers (refusing any whose
// protocol version differs, with the reason on both sides), keeps the member
// list, monitors every peer (a crash is seen at once as down_msg, a hang via
// the middleman's heartbeats), and hands its workers to selectors that ask.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/actor.hpp>

#include "cluster_tunables.hpp"

namespace concord::actors {

struct HostedWorkers {
  std::string model;
  int count = 1;
  int slots = 0;  // samples each runs at once (WorkerOptions::slots); 0: unlimited
};

struct NodeOptions {
  std::string name;
  std::vector<HostedWorkers> workers;
  double time_scale = kDefaultTunables.time_scale;
  double beacon_interval_s = kDefaultTunables.beacon_interval_s;
  /// The node's selector (a gateway node's: it serves the workflows the node hosts), or none. Every
  /// worker of the cluster beacons to it: this node's at once, a member's as soon as the manager
  /// hears of the member (a join_request carrying its manager: the member joined us, or we learned
  /// it from a join reply).
  caf::actor selector;
  /// The tenant ledgers this node hosts (its --tenants file), by tenant name: the node answers
  /// tenant lookups for them (a tenant's ledger lives on exactly one node).
  std::map<std::string, caf::actor> tenants;
  /// Called (on the manager's thread) when a member is seen down: a crash, or a heartbeat timeout.
  std::function<void(const std::string& member)> on_member_down;
};

/// Messages:
///   join_request                  -> join_reply (accepted with members, or refused with the reason)
///   (workers_atom)                -> std::vector<proto::beacon> (one per hosted worker, with its handle)
///   (subscribe_atom, selector)    -> (every hosted worker beacons to `selector` from now on, also later ones)
///   (attach_atom, beacon)         -> (an external worker's proxy joins the hosted workers until it exits)
///   (members_atom)                -> std::vector<std::string> member names (this node first)
///   (tenant_atom, name, cluster)  -> (vector<actor> ledgers, vector<string> their nodes, vector<string> every
///                                    tenant configured): where tenant `name`'s ledger lives. cluster = false:
///                                    this node only; true: this node and every member (asked in parallel,
///                                    kTenantLookupSeconds each; a member that does not answer counts as none).
///                                    Several ledgers: the tenant is configured on several nodes (ambiguous).
///   (stop_atom)                   -> stops the workers and the manager
/// A join_request carrying a manager also subscribes this node's selector to that member's workers.
inline constexpr double kTenantLookupSeconds = 1.0;

caf::actor spawn_node_manager(caf::actor_system& sys, const NodeOptions& options);

}  // namespace concord::actors

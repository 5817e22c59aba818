#pragma once
// An embedded cluster: N logical nodes, each hosting simulated workers for every
// model of a workflow, in ONE process (one CAF actor system). `concord run` uses
// it by default; it keeps examples to a few seconds and needs no network. The
// nodes are logical (worker names "node-i/model#j", all beaconing one selector);
// real multi-process clusters are `concord node` processes. On a virtual clock
// (ClusterOptions::virtual_time) the whole cluster runs on one thread, CAF's test coordinator,
// driven by run(): deterministic, and equal to the simulator for the same seed.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chaos/worker_fault.hpp"
#include "negotiate/ticked_price.hpp"
#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"
#include "cluster_network.hpp"
#include "cluster_tunables.hpp"
#include "time/clock.hpp"

namespace concord::actors {

struct ClusterOptions {
  /// Empty: an embedded cluster. Otherwise HOST:PORT of `concord node` seeds: the run
  /// joins that cluster and uses its workers (nodes/workers_per_model are then unused).
  std::vector<std::string> join;
  /// With `join`: mutual TLS to the cluster's nodes (their CA must have signed our certificate).
  TlsFiles tls;
  double heartbeat_interval_s = kDefaultTunables.heartbeat_interval_s;  // remote mode: a hung peer is detected within connection_timeout_s + heartbeat_interval_s
  double connection_timeout_s = kDefaultTunables.connection_timeout_s;
  int nodes = 3;
  int workers_per_model = 2;        // per node
  /// Embedded only: slots of every simulated worker (samples it runs at once; more wait in its
  /// FIFO queue: WorkerOptions::slots). 0: unlimited, the behaviour that equals the simulator's.
  int worker_slots = 0;
  bool beacon_on_change = false;    // embedded only: WorkerOptions::beacon_on_change
  /// Embedded only: per model, WorkerOptions::initial_latency_ewma_s of its workers (absent: 0).
  std::map<std::string, double> initial_service_s;
  double time_scale = kDefaultTunables.time_scale;                        // simulated seconds per real second
  double beacon_interval_s = kDefaultTunables.beacon_interval_s;          // real seconds
  double stale_after_intervals = kDefaultTunables.stale_after_intervals;  // the selector's staleness bound
  std::size_t top_l = kDefaultTunables.top_l;                             // the selector's screening
  int threads = 0;                  // CAF scheduler threads; 0 = number of cores
  /// Embedded only: run on a virtual clock (actors/virtual_time.hpp) instead of real time. A
  /// run is then deterministic and equals the simulator's (runtime semantics) for the same
  /// seed, sample by sample; time_scale only paces it (see pace). Ignored with `join`.
  bool virtual_time = false;
  /// Virtual time: deliver each event no sooner than its simulated time / time_scale real
  /// seconds after the start (so a live display moves at that pace); false: as fast as possible.
  bool pace = false;
  /// The real time pacing waits on (the run's thread sleeps until it reaches each event's due time).
  const Clock* pace_clock = &real_clock();
  /// Embedded only, fault injection (`concord chaos`, tests): the faults worker number `index`
  /// (in spawn order: node, model, then worker) named `name` plays. Unset: none.
  std::function<std::vector<chaos::WorkerFault>(int index, const std::string& name)> worker_faults;
  /// Virtual time only: a run still going at this simulated time is stopped and reported as not
  /// ended by itself (ClusterRun::ended false). 0: no limit but the event backstop.
  double virtual_limit_s = 0;
  /// Negotiation (issue 13): the selector's slot price per model (simulated seconds; the selector's
  /// clock starts with the cluster). Empty: no slot prices.
  std::map<std::string, negotiate::PriceTerms> slot_prices;
};

struct ClusterRun {
  EpisodeResult result;
  std::vector<double> decision_seconds;
  int redispatched = 0;
  std::string detail;          // extra words on a failure (e.g. no worker left for a model)
  std::vector<std::int64_t> ledger;  // {budget, committed, reserved} at the end (picodollars)
  std::map<std::string, int> samples_per_worker;  // sample results received, by worker name
  bool ended = true;  // false: the workflow never ended by itself (virtual time: nothing left to happen, or a limit)
  std::int64_t price_reads = 0;     // negotiation: price and queue posts read
  std::int64_t tenant_refusals = 0; // batches its tenant refused
  std::int64_t empty_plans = 0;     // decisions that launched nothing (negotiation: priced waits)
};

using BatchCallback = std::function<void(const AttemptTrace&, int done, int total)>;

/// One of the workflows of EmbeddedCluster::run_tenant_group / run_group.
struct GroupMember {
  GroupMember() = default;
  GroupMember(std::shared_ptr<Policy> p, EpisodeConfig c) : policy(std::move(p)), config(c) {}
  std::shared_ptr<Policy> policy;
  EpisodeConfig config;  // its own budget (its workflow ledger's), deadline and seed
  /// run_group: its workflow (null: the cluster's; its models must be among the cluster's
  /// workers'), its arrival (simulated seconds from the run's start; its clock's 0), its tenant.
  std::shared_ptr<const FlatWorkflow> workflow;
  double start_s = 0;
  int tenant = 0;
};

/// A tenant of run_group: its ledger actor's budget (one period) and money price.
struct GroupTenant {
  Money budget = 0;
  std::optional<negotiate::PriceTerms> money_price;  // seconds of the run's clock
};

/// How run_group's workflows share the cluster (issue 13, docs/negotiation.md "Policies on the actors").
struct GroupOptions {
  std::vector<GroupTenant> tenants;  // empty: every workflow has its own plain ledger
  /// The workflows ask the selector for each model's queue view and slot price and their tenant
  /// for its money price before each decision (WorkflowOptions::negotiate).
  bool negotiate = false;
  /// Ask the selector's wait per model when the workers have slots (the single runs' behaviour);
  /// false: the planners see no queue unless they negotiate.
  bool ask_waits = true;
  double retry_s = 0;  // WorkflowOptions::retry_s
};

struct TenantGroupRun {
  std::vector<ClusterRun> runs;      // one per member, in order
  /// The tenant ledger at the end: {budget, committed, reserved, uncovered_total} (picodollars);
  /// empty if it did not answer. run_group: `tenants` has every tenant's, `tenant` the first's.
  std::vector<std::int64_t> tenant;
  std::vector<std::vector<std::int64_t>> tenants;
  double end_s = 0;                       // simulated seconds when the last workflow ended
};

class EmbeddedCluster {
 public:
  /// Starts the actor system and the workers for `wf`'s models.
  EmbeddedCluster(std::shared_ptr<const FlatWorkflow> wf, ClusterOptions options);
  ~EmbeddedCluster();  // stops every actor (no process can hang on a live actor at exit)
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  /// Runs one workflow episode (runtime semantics) with `policy`. Blocking.
  ClusterRun run(std::shared_ptr<Policy> policy, const EpisodeConfig& config, BatchCallback on_batch = {});

  /// Virtual clock only (else std::logic_error): the members' workflows (of this cluster's
  /// workflow) at once, each with its own ledger of its config.budget drawing its money from one
  /// tenant ledger actor of `tenant_budget` picodollars (one period; docs/negotiation.md "Actors").
  /// Ends when every workflow has ended (or the run is stopped: config.stop of the first member,
  /// or ClusterOptions::virtual_limit_s). The drawn ledgers do not renew their lease on a virtual
  /// clock (a CAF timer), so the lease outlasts any run: lease expiry is tested apart (TenantNodes).
  TenantGroupRun run_tenant_group(std::vector<GroupMember> members, Money tenant_budget);

  /// Virtual clock only (else std::logic_error): workflows that arrive at their start_s, of any
  /// workflows whose models the cluster's workers run, drawing from their tenants (options.tenants)
  /// and planning as options say. The contention runs on the actors (actors/contention_cluster.hpp).
  TenantGroupRun run_group(std::vector<GroupMember> members, const GroupOptions& options);

  /// Virtual clock only (else std::logic_error), after a run: the slot-seconds the simulated
  /// workers have been busy since the cluster started, summed by model (their beacons' busy_slot_s).
  std::map<std::string, double> busy_slot_s_by_model();

  /// Stops one worker (as if its process died): for fault tests. Returns false if unknown.
  /// On a virtual clock, call it from the run's thread only (e.g. from its BatchCallback).
  bool kill_worker(const std::string& name);
  std::vector<std::string> worker_names() const;
  /// The worker with the most samples assigned right now (empty if none).
  std::string busiest_worker() const;
  /// Samples assigned to `worker` and not yet reported.
  int assigned_to(const std::string& worker) const;
  /// Remote mode: the member nodes the run sees.
  std::vector<std::string> member_names() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concord::actors

#pragma once
// The typed interface of every Concord actor (caf::typed_actor): what each accepts and what it
// answers, checked by the compiler at every send, request and behaviour. Messages are in
// messages.hpp (they cross nodes) and local_messages.hpp (they never leave a process).
//
// Workers travel as dynamically typed handles (beacon::handle, the selector's picks): a worker
// may live on another node or, with the service edge, be a proxy for an external process; their
// behaviour is still checked against worker_actor where they are spawned.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>

#include "local_messages.hpp"
#include "messages.hpp"

namespace concord::proto {

/// The budget ledger (ledger/ledger.hpp behind an actor). Money in picodollars; the answers carry
/// the core ledger's result codes.
using ledger_actor = caf::typed_actor<
    caf::replies_to<reserve_atom, std::uint64_t, std::int64_t>::with<ledger_reply>,               // one id
    caf::replies_to<reserve_atom, std::vector<std::uint64_t>, std::int64_t>::with<ledger_reply>,  // all or none
    caf::replies_to<commit_atom, std::uint64_t, std::int64_t>::with<ledger_reply>,
    caf::replies_to<release_atom, std::uint64_t>::with<ledger_reply>,
    caf::replies_to<status_atom>::with<ledger_status>,
    caf::reacts_to<flush_atom>,  // its own group-commit timer (a journaled ledger)
    caf::reacts_to<stop_atom>>;

/// A tenant ledger (ledger/tenant_ledger.hpp behind an actor, actors/tenant_ledger_actor.hpp): one
/// per tenant in the cluster, on the node whose --tenants file lists it. Keys are (workflow, id);
/// the workflow number is the tenant's own, given by open_atom. Money in picodollars.
using tenant_actor = caf::typed_actor<
    caf::replies_to<open_atom>::with<std::uint64_t, double>,  // a new workflow account (its lease opened): id, lease_s
    caf::replies_to<renew_atom, std::uint64_t, std::uint64_t>::with<tenant_reply>,  // workflow, seq: the planner's heartbeat
    caf::replies_to<reserve_atom, std::uint64_t, std::vector<std::uint64_t>, std::int64_t>::with<tenant_reply>,  // all or none
    caf::replies_to<commit_atom, std::uint64_t, std::uint64_t, std::int64_t>::with<tenant_reply>,  // workflow, id, actual
    caf::replies_to<release_atom, std::uint64_t, std::uint64_t>::with<tenant_reply>,              // workflow, id
    caf::replies_to<status_atom>::with<tenant_status>,
    caf::replies_to<price_atom>::with<double>,  // its money price (value per dollar; 0 without prices)
    caf::reacts_to<tick_atom>,  // its lease-expiry timer
    caf::reacts_to<stop_atom>>;

/// The beacon selector: beacons in, picks out (workers and the dispatch ids their outcomes are
/// credited to), outcomes to learn from.
using selector_actor = caf::typed_actor<
    caf::reacts_to<beacon>,
    caf::replies_to<pick_atom, std::string, std::int32_t>::with<std::vector<caf::actor>, std::vector<std::uint64_t>>,
    caf::reacts_to<outcome_atom, std::uint64_t, bool, double>,  // dispatch id, success, latency (s)
    caf::reacts_to<forget_atom, std::uint64_t>,                 // dispatch id: nothing to learn
    caf::replies_to<workers_atom, std::string>::with<std::int32_t>,  // live workers of a model
    caf::replies_to<status_atom>::with<std::vector<std::string>, std::vector<std::int32_t>>,  // load per worker
    caf::replies_to<models_atom>::with<std::vector<std::string>, std::vector<std::int32_t>>,  // live workers per model
    caf::replies_to<wait_atom, std::string>::with<double>,  // a model's expected wait for a slot (simulated s; inf: no live worker)
    caf::replies_to<price_atom, std::string>::with<double>,  // a model's slot price (value per slot-second; 0 without prices)
    // a model's queue view and slot price: queue_ahead, wait_per_position_s (route::pool_outlook), slot price
    caf::replies_to<outlook_atom, std::string>::with<double, double, double>,
    caf::reacts_to<stop_atom>>;

/// A model worker. A sample_request is answered by a sample_result sent to its requester (not a
/// response: a cancel must be able to overtake it); finish and tick are its own timers.
using worker_actor = caf::typed_actor<
    caf::reacts_to<sample_request>,
    caf::reacts_to<cancel_atom, std::uint64_t, double>,  // sample id, stop after (s; < 0: now)
    caf::reacts_to<subscribe_atom, caf::actor>,          // a selector wants its beacons
    caf::reacts_to<finish_atom, std::uint64_t>,
    caf::reacts_to<tick_atom>,
    caf::reacts_to<stop_atom>>;

/// The planner: a workflow's state in, an action out.
using planner_actor = caf::typed_actor<caf::replies_to<plan_request>::with<plan_reply>, caf::reacts_to<stop_atom>>;

/// One batch (sim/batch_run.hpp): its samples' results, a cancel from its workflow, its expiry timer,
/// the verdict of a check command run for it on a helper thread.
using subtask_actor = caf::typed_actor<caf::reacts_to<sample_result>, caf::reacts_to<cancel_atom>, caf::reacts_to<expire_atom>,
                                       caf::reacts_to<verdict_atom, std::int32_t, bool, std::string>,  // sample, check passed, why not
                                       // its own timer: ledger call number, attempt, send it now (a delayed request)
                                       caf::reacts_to<retry_atom, std::int32_t, std::uint32_t, bool>>;

/// One workflow run (sim/workflow_run.hpp): start answers with the outcome when the run is over.
using workflow_actor = caf::typed_actor<
    caf::replies_to<start_atom>::with<workflow_outcome>,
    caf::reacts_to<batch_report>,
    caf::reacts_to<settled_atom, std::uint64_t, std::int64_t, std::int64_t>,  // batch, released, cost
    // one sample's outcome for the learner: subtask, model, end (learn::SampleEnd), success, latency (s), output tokens
    caf::reacts_to<observed_atom, std::int32_t, std::int32_t, std::uint8_t, bool, double, std::int64_t>,
    caf::reacts_to<decide_atom>,
    caf::reacts_to<retry_atom>,  // WorkflowOptions::retry_s: ask the planner again
    caf::reacts_to<deadline_atom>,
    caf::reacts_to<stop_atom>>;

/// A node's gateway (actors/gateway_actor.hpp): client requests from its socket thread, events of
/// the workflows it hosts, its retention timer.
using gateway_actor = caf::typed_actor<caf::reacts_to<client_request>, caf::reacts_to<hosted_event>, caf::reacts_to<tick_atom>,
                                       caf::reacts_to<stop_atom>>;

}  // namespace concord::proto

#pragma once
// Messages that never leave a process (the planner and the workflow always share one, and so do
// the workflow and whoever started it): plain structs, allowed as unsafe message types, no
// serialisation. Units as in runtime/: seconds, picodollars.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "sim/episode.hpp"
#include "sim/policy.hpp"
#include "service/service_messages.hpp"

namespace concord::proto {

/// A workflow's state at a replan point (owned copies of what SimState views).
struct plan_request {
  Semantics semantics = Semantics::runtime;
  double now_s = 0, deadline_s = 0;
  Money budget = 0, spent = 0, reserved = 0;
  std::vector<SubtaskStatus> status;
  std::vector<int> attempts, dispatchable;
  std::vector<InFlightSample> in_flight;
  std::vector<std::uint8_t> partial_success;
  // Worker slots (issue 13): per model, the selector's expected wait for a slot (wait_atom,
  // simulated seconds; +inf: no live worker). Empty: no slots configured, no outlook.
  std::vector<double> expected_wait_s;
  // Negotiation (issue 13, docs/negotiation.md "Prices on the actors"): the posted prices and the
  // selector's queue view, per model. Empty `slot_price`: no prices asked (no priced choice).
  // With `queue_ahead` set, MCPP's rollouts use it and `wait_per_position_s` (McppOutlook's
  // pool rule) instead of expected_wait_s.
  double money_price = 0;                 // the tenant's, value per dollar
  std::vector<double> slot_price;         // value per slot-second
  std::vector<double> queue_ahead;        // samples (queue - free slots over the model's live workers)
  std::vector<double> wait_per_position_s;
};

struct plan_reply {
  std::vector<Assignment> action;
  double seconds = 0;  // time of the decision, by the planner's clock
  double promise = -1; // MCPP: predicted P(complete within budget and deadline) (McppDecisionStats::promise); < 0: none
  std::string error;   // non-empty: the policy threw (its message); the action is empty
};

/// A workflow run's outcome, the workflow actor's answer to start_atom.
struct workflow_outcome {
  EpisodeResult result;
  std::vector<double> decision_seconds;
  int redispatched = 0;
  std::string failure_detail;  // e.g. "no worker left for model m"
  bool no_worker_left = false;  // a batch found no live worker for its model
  std::map<std::string, int> samples_per_worker;  // sample results received, by worker name
  std::vector<std::string> outputs;  // per subtask: its successful sample's output (real workers; else empty)
  double promise = -1;               // the planner's at its first decision (< 0: none)
  std::int64_t price_reads = 0;      // negotiation: price and queue posts read (WorkflowOptions::negotiate)
  std::int64_t tenant_refusals = 0;  // batches refused by the ledger's budget source (its tenant)
  std::int64_t empty_plans = 0;      // decisions that launched nothing (negotiation: a priced wait)
};

/// A client's decoded request, from the gateway's socket thread: who asked (the transport's
/// name for the client) and what.
struct client_request {
  std::string peer;
  service::Request request;
};

/// Something that happened to a workflow a gateway hosts (from its workflow actor's thread).
struct hosted_event {
  service::WorkflowId workflow = 0;
  double time_s = 0;  // simulated seconds since the workflow started
  service::EventBody body;
};

}  // namespace concord::proto

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::proto::plan_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::proto::plan_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::proto::workflow_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::proto::client_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::proto::hosted_event)

#pragma once
// What clients and a node's gateway say to each other (protocols/concord.capnp), as plain C++:
// the gateway's logic and its tests use these; protocols/edge/wire_codec.hpp converts them to and
// from Cap'n Proto bytes. Field for field the schema; units as there: money in picodollars
// (Money), event times in simulated seconds since the workflow started, retry hints in real seconds.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "model/money.hpp"
#include "sim/episode.hpp"

namespace concord::service {

/// The contract version this build speaks (concord.capnp's wireVersion).
inline constexpr std::uint32_t kWireVersion = 1;

using WorkflowId = std::uint64_t;  // > 0, unique per node
using Seq = std::uint64_t;         // event sequence number, 1-based per workflow

// ---------------------------------------------------------------------------- requests

struct SubmitRequest {
  std::string workflow_json;
  std::string tenant;           // "" = "default"
  std::string idempotency_key;  // "" = none
  std::string source_name;      // label for the report
  std::string policy;           // "" = "mcpp"
  std::uint64_t seed = 0;       // 0 = 1
  Money budget = 0;             // > 0: the budget; 0: the document's, else nominal
  double deadline_s = 0;        // > 0: the deadline; 0: the document's, else nominal
  bool watch = false;
};
struct WatchRequest {
  WorkflowId workflow = 0;
  Seq from_seq = 1;
};
struct CancelRequest {
  WorkflowId workflow = 0;
};
struct StatusRequest {};

using Request = std::variant<SubmitRequest, WatchRequest, CancelRequest, StatusRequest>;

// ---------------------------------------------------------------------------- responses

struct Accepted {
  WorkflowId workflow = 0;
  bool duplicate = false;
};

enum class RefusalCode : std::uint8_t { bad_message, bad_version, invalid_workflow, busy, unknown_workflow, internal };
std::string_view to_string(RefusalCode c);

struct Refused {
  RefusalCode code = RefusalCode::bad_message;
  std::string text;
  double retry_after_s = 0;
  WorkflowId workflow = 0;
};

struct Started {
  std::uint32_t subtasks = 0;
  Money budget = 0;
  double deadline_s = 0;
  std::string budget_origin, deadline_origin, policy;
  std::uint64_t seed = 1;
};
struct BatchLaunched {
  std::string subtask, model;
  std::uint32_t k = 0, attempt = 0;
  std::uint64_t batch_id = 0;
};
struct SampleSettled {
  std::string subtask;
  std::uint64_t batch_id = 0;
  Money cost = 0;
};
struct SubtaskEnded {
  std::string subtask, model;
  std::uint32_t k = 0, attempt = 0;
  bool succeeded = false, finished = false;
  Money cost = 0;
  std::uint32_t subtasks_done = 0, subtasks_total = 0;
  std::string output;  // succeeded with a real worker: its output (else empty)
};
struct SpendUpdate {
  Money committed = 0, reserved = 0, budget = 0;
};
struct Ended {
  bool completed = false;
  EndReason reason = EndReason::completed;
  Money spend = 0;
  double makespan_s = 0;
  std::uint32_t subtasks_done = 0;
  std::string report;  // the text `concord run` prints
};
struct Lost {
  Seq from_seq = 0, to_seq = 0;  // inclusive
};

/// The planner's predicted probability that the run completes within budget and deadline, at its
/// first decision (the calibrated promise, docs/learning.md).
struct Promised {
  double probability = 0;  // calibrated (the raw one when the node keeps no profiles)
  double raw = 0;          // the planner's own estimate
};

using EventBody = std::variant<Started, BatchLaunched, SampleSettled, SubtaskEnded, SpendUpdate, Ended, Lost, Promised>;

struct Event {
  WorkflowId workflow = 0;
  Seq seq = 0;        // 0 only for Lost
  double time_s = 0;  // simulated seconds since the workflow started
  EventBody body;
  std::int64_t wall_ns = 0;  // the node's real clock when recorded (ns since the Unix epoch)
  bool is_end() const { return std::holds_alternative<Ended>(body); }
};

enum class WorkflowState : std::uint8_t { running, ended };

struct WorkflowStatus {
  WorkflowId workflow = 0;
  std::string tenant, name;
  WorkflowState state = WorkflowState::running;
  Money spend = 0, reserved = 0, budget = 0;
  Seq last_seq = 0;
};

struct ModelWorkers {
  std::string model;
  std::uint32_t live = 0;
};

/// A tenant ledger the answering node hosts (docs/negotiation.md "Actors"): money in picodollars,
/// committed and reserved in the current period; committed + reserved <= budget always.
struct TenantStatus {
  std::string name;
  Money budget = 0, committed = 0, reserved = 0;
  Money committed_total = 0, uncovered = 0;  // over all periods; late spend no budget covered
  std::uint64_t late_commits = 0, expired_holdings = 0, live_leases = 0;
  double period_s = 0, lease_s = 0;  // period_s < 0: one period
};

struct StatusReply {
  std::string node;
  std::vector<std::string> nodes;
  std::vector<ModelWorkers> workers;
  std::vector<WorkflowStatus> workflows;
  std::uint32_t max_workflows = 0;
  std::vector<TenantStatus> tenants;  // hosted by this node (its --tenants file)
};

using Response = std::variant<Accepted, Refused, Event, StatusReply>;

}  // namespace concord::service

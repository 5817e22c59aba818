#pragma once
// The planner actor wraps a Policy (MCPP by default). It is spawned detached:
// it runs on a thread of its own, so a long decision never blocks CAF's
// scheduler threads (MCPP itself runs its rollouts on its TBB arena). The
// workflow sends a plan_request (a snapshot of its state) and gets the action
// back as a message.
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "time/clock.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"

namespace concord::actors {

/// A workflow's state at a replan point (owned copies of what SimState views).
struct plan_request {
  Semantics semantics = Semantics::runtime;
  double now_s = 0, deadline_s = 0;
  Money budget = 0, spent = 0, reserved = 0;
  std::vector<SubtaskStatus> status;
  std::vector<int> attempts, dispatchable;
  std::vector<InFlightSample> in_flight;
  std::vector<std::uint8_t> partial_success;
};

struct plan_reply {
  std::vector<Assignment> action;
  double seconds = 0;  // time of the decision, by the planner's clock
  std::string error;   // non-empty: the policy threw (its message); the action is empty
};

/// `policy` is used by this actor only (policies are not thread-safe); `clock` must outlive it.
/// detached = false: on the scheduler's threads instead (a virtual-time cluster, where time must
/// stand still while the planner decides: its one thread is the one that moves time).
caf::actor spawn_planner(caf::actor_system& sys, std::shared_ptr<const FlatWorkflow> wf, std::shared_ptr<Policy> policy,
                         std::uint64_t seed, const Clock& clock = real_clock(), bool detached = true);

}  // namespace concord::actors

// Local-only messages (planner and workflow always share a process).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::actors::plan_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::actors::plan_reply)

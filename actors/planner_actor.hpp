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
#include "interfaces.hpp"

#include "time/clock.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"

namespace concord::actors {

using proto::plan_reply;
using proto::plan_request;

/// `policy` is used by this actor only (policies are not thread-safe); `clock` must outlive it.
/// detached = false: on the scheduler's threads instead (a virtual-time cluster, where time must
/// stand still while the planner decides: its one thread is the one that moves time).
proto::planner_actor spawn_planner(caf::actor_system& sys, std::shared_ptr<const FlatWorkflow> wf, std::shared_ptr<Policy> policy,
                         std::uint64_t seed, const Clock& clock = real_clock(), bool detached = true);

}  // namespace concord::actors


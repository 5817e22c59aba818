#pragma once
// A node's worker hub: the actor behind its worker endpoint (`concord node --worker-endpoint`).
// Messages from external worker processes arrive from the worker socket's thread
// (proto::external_message); the hub admits a Register (name [A-Za-z0-9._-]{1,64}, at least one
// model, capacity 1..1024) by spawning one external_worker per model it serves and attaching
// them to the node manager (which subscribes every selector of the cluster to them), answers
// Registered, routes SampleResults to the worker's proxies, and declares a worker dead when it
// has been silent for heartbeat_timeout_s (real seconds): its proxies are killed, so every
// subtask waiting on them re-dispatches. A worker registering again under its name replaces the
// old registration; a message from a process that is not registered is answered unknownWorker, so
// a worker that outlived its node's memory of it registers again.
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "external_worker.hpp"
#include "service/worker_messages.hpp"
#include "time/clock.hpp"

namespace concord::proto {
/// A decoded message of an external worker, from the worker socket's thread (never leaves the node).
struct external_message {
  std::string peer;  // the socket's routing id of the worker's connection
  service::WorkerMessage message;
};
}  // namespace concord::proto
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::proto::external_message)

namespace concord::actors {

struct WorkerHubOptions {
  std::string node_name;
  caf::actor node_manager;           // (attach_atom, beacon): a proxy joins the node's workers
  double heartbeat_interval_s = 1;   // real seconds, told to workers
  double heartbeat_timeout_s = 5;    // real seconds of silence after which a worker is dead
  double beacon_interval_s = kDefaultTunables.beacon_interval_s;
  const Clock* clock = &real_clock();
  std::function<void(const std::string& peer, const service::NodeMessage&)> send;  // thread-safe
  std::function<void(const std::string& line)> log;
  std::shared_ptr<ExternalWorkerCounters> counters;
};

/// Messages: proto::external_message, tick_atom (its own timer), stop_atom.
caf::actor spawn_worker_hub(caf::actor_system& sys, WorkerHubOptions options);

}  // namespace concord::actors

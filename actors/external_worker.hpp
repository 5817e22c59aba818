#pragma once
// The node's stand-in for one model of an external worker process (concord.capnp's worker
// protocol): to the selector, subtasks and ledger it is a worker like any other (worker_actor).
// It forwards each sample_request to the process as a SampleRequest (at most `capacity` at once;
// more wait here, in order), a cancel as Cancel (a waiting sample is answered cancelled at once,
// charged nothing), and turns each SampleResult into a sample_result charged by
// service::settle_external (never above the sample's reservation; lies logged and counted). It
// beacons like a simulated worker. Its hub (worker_hub.hpp) kills it when the process falls
// silent: the subtasks monitoring it re-dispatch its samples under the same reservations.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "interfaces.hpp"
#include "cluster_tunables.hpp"
#include "service/worker_messages.hpp"
#include "time/clock.hpp"

namespace concord::proto {
/// A SampleResult from the process, from the hub (never leaves the node).
struct external_result {
  service::WorkerSampleResult result;
};
}  // namespace concord::proto
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(concord::proto::external_result)

namespace concord::actors {

using external_worker_actor = proto::worker_actor::extend<caf::reacts_to<proto::external_result>>;

/// Counted across a node's external workers (metrics, status, tests).
struct ExternalWorkerCounters {
  std::atomic<std::uint64_t> samples{0};   // SampleRequests sent
  std::atomic<std::uint64_t> results{0};   // SampleResults accepted
  std::atomic<std::uint64_t> lies{0};      // results with at least one impossible claim
};

struct ExternalWorkerOptions {
  std::string name;       // unique in the cluster: "NODE/WORKER" (or "NODE/WORKER:MODEL" when it serves several)
  std::string model;
  std::uint32_t capacity = 1;
  double beacon_interval_s = kDefaultTunables.beacon_interval_s;  // real seconds
  const Clock* clock = &real_clock();
  /// Sends to the process (thread-safe: the worker socket's queue).
  std::function<void(const service::NodeMessage&)> send;
  std::function<void(const std::string& line)> log;  // one line per event worth a human's eye
  std::shared_ptr<ExternalWorkerCounters> counters;
};

external_worker_actor spawn_external_worker(caf::actor_system& sys, ExternalWorkerOptions options);

}  // namespace concord::actors

#pragma once
// The process side of concord.capnp's worker protocol: connects a DEALER socket to a node's
// worker endpoint, registers, heartbeats (queue length, free slots) every interval the node
// asked for, runs each SampleRequest on a Backend in its own thread (at most `capacity` at once;
// more wait in order), relays Cancel to the running sample, and answers SampleResult. If the node
// forgets it (a restart: its next heartbeat is answered unknownWorker) it registers again.
// Stops on SIGINT/SIGTERM: running samples are cancelled and answered, threads joined.
#include <cstdint>
#include <string>
#include <vector>

#include "sample_job.hpp"
#include "service/worker_messages.hpp"

namespace concord::cli {

/// Deliberate misbehaviour, for fault-injection tests (`concord worker --fault`).
enum class WorkerFault { none, lie_tokens, lie_latency, garbage };

struct WorkerLoopOptions {
  std::string endpoint;                 // tcp://HOST:PORT of the node's --worker-endpoint
  service::WorkerRegister registration;
  double register_timeout_s = 30;       // give up (exit 3) when no node answers within this
  std::string curve_server_public;      // both set (Z85): CURVE, as `concord submit`
  std::string curve_secret;
  WorkerFault fault = WorkerFault::none;
  std::uint64_t max_samples = 0;        // > 0: exit after answering this many (tests)
};

/// Runs until a signal, a refusal (exit code 2, reason on stderr), the node never answering
/// (3) or max_samples answered (0). Prints one line per registration and per refusal.
int run_worker_loop(const WorkerLoopOptions& options, workers::Backend& backend);

}  // namespace concord::cli

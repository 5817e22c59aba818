#pragma once
// The ZeroMQ side of a node's worker endpoint (`concord node --worker-endpoint`): one thread owns
// a ROUTER socket that external workers' DEALER sockets connect to (concord.capnp's worker
// protocol). It decodes every frame (worker_codec.hpp): one that cannot be decoded is answered
// from this thread with RegisterRefused naming the problem, and counted; a good one goes to
// on_message. Messages to workers come back through send() (any thread), drained when an eventfd
// wakes the thread. No CAF here: the node bridges on_message to its worker hub actor.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "edge/wire_codec.hpp"
#include "service/worker_messages.hpp"

namespace concord::edge {

struct WorkerSocketOptions {
  std::string endpoint;            // tcp://HOST:PORT (port 0: the system picks; see bound_endpoint)
  DecodeLimits limits;             // also ZMQ_MAXMSGSIZE
  int hwm = 10000;                 // messages queued per worker before sends fail (counted)
  std::string curve_secret_z85;    // set: CURVE server; only allowed_clients' keys get in
  std::set<std::string> allowed_clients;
};

struct WorkerSocketCounters {
  std::atomic<std::uint64_t> received{0};        // frames received
  std::atomic<std::uint64_t> undecodable{0};     // frames that were not a WorkerMessage
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> undeliverable{0};   // messages for a worker gone or not reading
  std::atomic<std::uint64_t> unauthenticated{0};
};

class WorkerSocket {
 public:
  using OnMessage = std::function<void(std::string peer, service::WorkerMessage message)>;

  /// Binds (throws std::runtime_error naming the endpoint when it cannot) and starts the thread.
  WorkerSocket(WorkerSocketOptions options, OnMessage on_message);
  ~WorkerSocket();  // stops and joins the thread
  WorkerSocket(const WorkerSocket&) = delete;
  WorkerSocket& operator=(const WorkerSocket&) = delete;

  const std::string& bound_endpoint() const;
  /// Queues a message for a worker (peer: the routing id on_message named); thread-safe, never blocks.
  void send(const std::string& peer, const service::NodeMessage& message);
  const WorkerSocketCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concord::edge

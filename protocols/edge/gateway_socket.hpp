#pragma once
// The ZeroMQ side of a node's gateway: one thread owns a ROUTER socket bound to the gateway
// endpoint (ZeroMQ sockets are not thread-safe, and blocking calls must never run on CAF's
// scheduler threads). It decodes every incoming frame (wire_codec.hpp): a request that cannot be
// decoded is answered from this thread with the refusal and counted; a good one goes to
// on_request. Answers and events come back through send() (any thread): a queue this thread
// drains when an eventfd wakes it. No CAF here: the node bridges on_request to its gateway actor.
//
// Back-pressure: high-water marks on the socket; a send that would block (a watcher reading too
// slowly) drops that event for that client and remembers the range, and the client's next event
// of that workflow is preceded by Lost{from, to}. A client that has gone away is skipped.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "edge/wire_codec.hpp"
#include "service/service_messages.hpp"

namespace concord::edge {

struct GatewaySocketOptions {
  std::string endpoint;            // tcp://HOST:PORT (port 0 or *: the system picks; see bound_endpoint)
  DecodeLimits limits;             // also ZMQ_MAXMSGSIZE: a peer sending more is disconnected by ZeroMQ
  int send_hwm = 10000;            // messages queued per client before sends would block
  int receive_hwm = 10000;
  /// Set: a CURVE server with this secret key (Z85); only clients whose public key is in
  /// allowed_clients complete the handshake (the ZAP handler this thread runs says no to the
  /// rest: they get no answer, and are counted in `unauthenticated`).
  std::string curve_secret_z85;
  std::set<std::string> allowed_clients;  // Z85 public keys
};

struct GatewayCounters {
  std::atomic<std::uint64_t> received{0};       // frames received
  std::atomic<std::uint64_t> refused{0};        // requests refused here (undecodable, wrong version, wrong framing)
  std::atomic<std::uint64_t> sent{0};           // responses and events sent
  std::atomic<std::uint64_t> dropped_slow{0};   // events dropped for a client reading too slowly
  std::atomic<std::uint64_t> dropped_gone{0};   // responses for a client no longer connected
  std::atomic<std::uint64_t> unauthenticated{0};  // CURVE handshakes refused (key not allowed)
};

class GatewaySocket {
 public:
  using OnRequest = std::function<void(std::string peer, service::Request request)>;

  /// Binds (throws std::runtime_error naming the endpoint when it cannot) and starts the thread.
  GatewaySocket(GatewaySocketOptions options, OnRequest on_request);
  ~GatewaySocket();  // stops and joins the thread
  GatewaySocket(const GatewaySocket&) = delete;
  GatewaySocket& operator=(const GatewaySocket&) = delete;

  /// What the socket is bound to, with the port resolved (e.g. tcp://127.0.0.1:40123).
  const std::string& bound_endpoint() const;
  /// Queues a response or event for a client; thread-safe, never blocks on the network.
  void send(const std::string& peer, const service::Response& response);
  const GatewayCounters& counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concord::edge

#pragma once
// A client of a node's gateway (what `concord submit/watch/cancel/status` use, and what other C++
// programs link: target concord_edge). One ZeroMQ DEALER socket; requests and responses are the
// service's messages (runtime/service/service_messages.hpp), Cap'n Proto on the wire. Not
// thread-safe: one thread per Client.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "service/service_messages.hpp"

namespace concord::edge {

/// The node did not answer in time, or answered with bytes that are not a Response.
class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ClientOptions {
  std::string endpoint;   // tcp://HOST:PORT of a node's --gateway
  double timeout_s = 10;  // how long to wait for an answer (real seconds)
  /// CURVE (both set, Z85): the node's public key and this client's secret key (its public key
  /// must be in the node's --clients folder). Empty: no encryption, no authentication.
  std::string curve_server_public;
  std::string curve_secret;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends a request (does not wait).
  void send(const service::Request& request);
  /// The next message from the node, or nothing after timeout_s. Throws ClientError on bytes
  /// that are not a Response.
  std::optional<service::Response> receive(std::optional<double> timeout_s = std::nullopt);
  /// Sends and returns the first answer: Accepted / Refused / StatusReply. Throws ClientError
  /// when none comes within timeout_s.
  service::Response call(const service::Request& request);

  /// Watches a workflow from `from_seq`, calling on_event once for each event (Lost included;
  /// an event received twice — live, then in the watch's replay — is passed once) until
  /// `ended` (returned) or until on_event returns false (nothing returned). Throws ClientError
  /// when the node stays silent longer than idle_timeout_s, or refuses (the refusal's text).
  std::optional<service::Ended> watch(service::WorkflowId id, service::Seq from_seq,
                                      const std::function<bool(const service::Event&)>& on_event, double idle_timeout_s);

  /// Drops the connection and opens a new one (a new identity: the node sees a new client).
  void reconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concord::edge

#pragma once
// What every process of a cluster (nodes, run clients, benchmarks) must agree on:
// the middleman's failure detection settings, and how HOST:PORT is written.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

namespace concord::actors {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

/// "HOST:PORT" with a port in 0..65535 (0: pick one); nullopt when malformed.
std::optional<HostPort> parse_host_port(const std::string& s);

/// Largest message a peer may announce ([middleman] max-message-size): 64 MiB.
inline constexpr std::size_t kDefaultMaxMessageSize = std::size_t{64} << 20;
/// Largest first message (the BASP handshake) on a connection: 64 KiB.
inline constexpr std::size_t kMaxHandshakeSize = std::size_t{64} << 10;

/// Loads the middleman and sets heartbeat interval and connection timeout (the same on
/// every process: a silent peer is dropped after the timeout), with direct connections
/// between all nodes rather than routes through the seed.
/// Also bounds what a peer can make this process allocate for one message (CAF 0.17 would
/// allocate whatever a BASP header announces, up to 4 GiB, before reading it): a plain TCP
/// connection announcing more than `max_message_size` bytes, or more than kMaxHandshakeSize
/// for its first message (the handshake, sent before the peer is known), is refused and closed.
void configure_cluster_network(caf::actor_system_config& cfg, double heartbeat_interval_s, double connection_timeout_s,
                               std::size_t max_message_size = kDefaultMaxMessageSize);

/// Mutual TLS between the processes of a cluster (CAF's openssl module): this process's
/// certificate chain and key (PEM), and the CA that signed every member's certificate.
/// All three or none. A peer whose certificate the CA did not sign cannot connect, in
/// either direction. CAF checks no host name: use a CA of the cluster's own.
struct TlsFiles {
  std::string cert, key, ca;
  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

/// Loads the files with OpenSSL as CAF will (chain, key matching the certificate, CA): the
/// reason they cannot be used, naming the file, or nullopt when they can (or TLS is off).
/// `flags` names the three in errors (e.g. {"--tls-cert", "--tls-key", "--tls-ca"}).
std::optional<std::string> check_tls_files(const TlsFiles& tls, const std::array<std::string, 3>& flags);

/// After configure_cluster_network: loads the openssl module with these files (no-op when off).
void configure_cluster_tls(caf::actor_system_config& cfg, const TlsFiles& tls);

/// Publishes `whom` on host:port, over TLS when `tls` is on; the port bound.
caf::expected<std::uint16_t> publish_node(caf::actor_system& sys, const caf::actor& whom, const std::string& host,
                                          std::uint16_t port, const TlsFiles& tls);
/// A handle to the actor published at host:port, over TLS when `tls` is on.
caf::expected<caf::actor> connect_node(caf::actor_system& sys, const std::string& host, std::uint16_t port, const TlsFiles& tls);
/// Undoes publish_node.
void unpublish_node(caf::actor_system& sys, const caf::actor& whom, std::uint16_t port, const TlsFiles& tls);

}  // namespace concord::actors

#pragma once
// What every process of a cluster (nodes, run clients, benchmarks) must agree on:
// the middleman's failure detection settings, and how HOST:PORT is written.
#include <cstdint>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

namespace concord::actors {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

/// "HOST:PORT" with a port in 0..65535 (0: pick one); nullopt when malformed.
std::optional<HostPort> parse_host_port(const std::string& s);

/// Loads the middleman and sets heartbeat interval and connection timeout (the same on
/// every process: a silent peer is dropped after the timeout), with direct connections
/// between all nodes rather than routes through the seed.
void configure_cluster_network(caf::actor_system_config& cfg, double heartbeat_interval_s, double connection_timeout_s);

}  // namespace concord::actors

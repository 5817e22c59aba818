#include "cluster_network.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

namespace concord::actors {

std::optional<HostPort> parse_host_port(const std::string& s) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return std::nullopt;
  return HostPort{s.substr(0, colon), static_cast<std::uint16_t>(port)};
}

void configure_cluster_network(caf::actor_system_config& cfg, double heartbeat_interval_s, double connection_timeout_s) {
  auto span = [](double s) { return caf::timespan{static_cast<std::int64_t>(s * 1e9)}; };
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", span(heartbeat_interval_s));
  cfg.set("middleman.connection-timeout", span(connection_timeout_s));
  cfg.set("middleman.enable-automatic-connections", true);
}

}  // namespace concord::actors

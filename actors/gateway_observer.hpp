#pragma once
// What a node's gateway reports as it works, for metrics (nodes/cli/node_metrics.hpp serves them
// to Prometheus). Called from actor threads: an implementation must be thread-safe. No method
// may throw or block.
#include <cstdint>

#include "service/service_messages.hpp"
#include "sim/episode.hpp"

namespace concord::actors {

class GatewayObserver {
 public:
  virtual ~GatewayObserver() = default;
  enum class Request : std::uint8_t { submit, watch, cancel, status };
  virtual void request(Request kind) = 0;
  virtual void refused(service::RefusalCode code) = 0;
  virtual void workflow_started() = 0;
  virtual void workflow_ended(EndReason reason) = 0;
  virtual void samples_dispatched(std::uint32_t k) = 0;
  virtual void sample_settled(Money cost) = 0;
  virtual void samples_redispatched(int n) = 0;
  virtual void reserved_changed(Money delta) = 0;  // picodollars now reserved by hosted workflows, + delta
  virtual void planner_decision(double seconds) = 0;
};

}  // namespace concord::actors

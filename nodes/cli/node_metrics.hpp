#pragma once
// A node's metrics in Prometheus text format (`concord node --metrics HOST:PORT`, served by
// prometheus-cpp's exposer at /metrics): what its gateway hosted and did, the money its hosted
// workflows spent and hold, planner decision times, failure detections, and the gateway socket's
// traffic, refusals and drops.
#include <memory>
#include <string>

#include "edge/gateway_socket.hpp"
#include "external_worker.hpp"
#include "gateway_observer.hpp"

namespace concord::cli {

class NodeMetrics : public actors::GatewayObserver {
 public:
  /// Binds HOST:PORT (throws std::runtime_error naming it). Port 0: any (see port()).
  explicit NodeMetrics(const std::string& host_port);
  ~NodeMetrics() override;
  int port() const;
  /// The gateway socket's counters, read at every scrape (the socket must outlive the scrapes:
  /// call detach_socket() before destroying it).
  void attach_socket(const edge::GatewayCounters* counters);
  void detach_socket();
  /// The external workers' counters (worker_hub.hpp), read at every scrape.
  void attach_external(std::shared_ptr<const actors::ExternalWorkerCounters> counters);
  void member_lost();

  void request(Request kind) override;
  void refused(service::RefusalCode code) override;
  void workflow_started() override;
  void workflow_ended(EndReason reason) override;
  void samples_dispatched(std::uint32_t k) override;
  void sample_settled(Money cost) override;
  void samples_redispatched(int n) override;
  void reserved_changed(Money delta) override;
  void planner_decision(double seconds) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concord::cli

#include "cli/node_metrics.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace concord::cli {

namespace {

/// One counter read at scrape time, as Prometheus exposes it.
prometheus::MetricFamily counter_family(const char* name, const char* help, std::uint64_t value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = prometheus::MetricType::Counter;
  prometheus::ClientMetric m;
  m.counter.value = static_cast<double>(value);
  f.metric.push_back(m);
  return f;
}

/// The socket's atomic counters, as counters, read at scrape time.
class SocketCollector : public prometheus::Collectable {
 public:
  void set(const edge::GatewayCounters* c) {
    std::lock_guard lock(mx_);
    counters_ = c;
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mx_);
    std::vector<prometheus::MetricFamily> out;
    if (!counters_) return out;
    auto family = [&](const char* name, const char* help, std::uint64_t v) { out.push_back(counter_family(name, help, v)); };
    family("concord_gateway_frames_received_total", "Frames the gateway socket received", counters_->received.load());
    family("concord_gateway_frames_refused_total", "Frames refused at the socket: undecodable, wrong version or framing",
           counters_->refused.load());
    family("concord_gateway_messages_sent_total", "Responses and events sent to clients", counters_->sent.load());
    family("concord_gateway_events_dropped_slow_total", "Events dropped for clients reading too slowly", counters_->dropped_slow.load());
    family("concord_gateway_messages_dropped_gone_total", "Messages for clients no longer connected", counters_->dropped_gone.load());
    family("concord_gateway_unauthenticated_total", "CURVE handshakes refused (client key not allowed)",
           counters_->unauthenticated.load());
    return out;
  }

 private:
  mutable std::mutex mx_;
  const edge::GatewayCounters* counters_ = nullptr;
};

/// The external workers' counters (shared with the node's proxies), read at scrape time.
class ExternalCollector : public prometheus::Collectable {
 public:
  void set(std::shared_ptr<const actors::ExternalWorkerCounters> c) {
    std::lock_guard lock(mx_);
    counters_ = std::move(c);
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mx_);
    std::vector<prometheus::MetricFamily> out;
    if (!counters_) return out;
    auto family = [&](const char* name, const char* help, std::uint64_t v) { out.push_back(counter_family(name, help, v)); };
    family("concord_external_samples_total", "Samples sent to external workers attached to this node", counters_->samples.load());
    family("concord_external_results_total", "Sample results accepted from external workers", counters_->results.load());
    family("concord_external_lies_total", "External worker results with an impossible claim (logged; charged by the node's rule)",
           counters_->lies.load());
    return out;
  }

 private:
  mutable std::mutex mx_;
  std::shared_ptr<const actors::ExternalWorkerCounters> counters_;
};

}  // namespace

struct NodeMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<SocketCollector> socket = std::make_shared<SocketCollector>();
  std::shared_ptr<ExternalCollector> external = std::make_shared<ExternalCollector>();
  std::unique_ptr<prometheus::Exposer> exposer;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter().Name("concord_gateway_requests_total").Help("Requests decoded, by kind").Register(*registry);
  prometheus::Family<prometheus::Counter>& refusals =
      prometheus::BuildCounter().Name("concord_gateway_refusals_total").Help("Requests refused by the gateway, by cause").Register(*registry);
  prometheus::Counter& started =
      prometheus::BuildCounter().Name("concord_workflows_started_total").Help("Workflows started by this node").Register(*registry).Add({});
  prometheus::Family<prometheus::Counter>& ended =
      prometheus::BuildCounter().Name("concord_workflows_ended_total").Help("Workflows ended, by end reason").Register(*registry);
  prometheus::Gauge& hosted =
      prometheus::BuildGauge().Name("concord_workflows_running").Help("Workflows this node runs now").Register(*registry).Add({});
  prometheus::Counter& dispatched = prometheus::BuildCounter()
                                        .Name("concord_samples_dispatched_total")
                                        .Help("Samples launched (k per batch)")
                                        .Register(*registry)
                                        .Add({});
  prometheus::Counter& settled =
      prometheus::BuildCounter().Name("concord_samples_settled_total").Help("Samples settled with the ledger").Register(*registry).Add({});
  prometheus::Counter& redispatched = prometheus::BuildCounter()
                                          .Name("concord_samples_redispatched_total")
                                          .Help("Samples re-dispatched after their worker died")
                                          .Register(*registry)
                                          .Add({});
  prometheus::Counter& committed = prometheus::BuildCounter()
                                       .Name("concord_spend_committed_dollars_total")
                                       .Help("Money committed by hosted workflows (dollars)")
                                       .Register(*registry)
                                       .Add({});
  prometheus::Gauge& reserved = prometheus::BuildGauge()
                                    .Name("concord_spend_reserved_dollars")
                                    .Help("Money reserved now by hosted workflows (dollars)")
                                    .Register(*registry)
                                    .Add({});
  prometheus::Histogram& decisions = prometheus::BuildHistogram()
                                         .Name("concord_planner_decision_seconds")
                                         .Help("Planner decision time (real seconds)")
                                         .Register(*registry)
                                         .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                                                          0.05, 0.1, 0.2, 0.5, 1, 2, 5});
  prometheus::Counter& members_lost = prometheus::BuildCounter()
                                          .Name("concord_detections_members_lost_total")
                                          .Help("Member nodes detected down (crash or heartbeat timeout)")
                                          .Register(*registry)
                                          .Add({});
};

NodeMetrics::NodeMetrics(const std::string& host_port) : impl_(std::make_unique<Impl>()) {
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(host_port);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + host_port + ": " + e.what());
  }
  impl_->exposer->RegisterCollectable(impl_->registry);
  impl_->exposer->RegisterCollectable(impl_->socket);
  impl_->exposer->RegisterCollectable(impl_->external);
}

NodeMetrics::~NodeMetrics() = default;

int NodeMetrics::port() const {
  const auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void NodeMetrics::attach_socket(const edge::GatewayCounters* counters) { impl_->socket->set(counters); }
void NodeMetrics::attach_external(std::shared_ptr<const actors::ExternalWorkerCounters> counters) { impl_->external->set(std::move(counters)); }
void NodeMetrics::detach_socket() { impl_->socket->set(nullptr); }
void NodeMetrics::member_lost() { impl_->members_lost.Increment(); }

void NodeMetrics::request(Request kind) {
  static const char* names[] = {"submit", "watch", "cancel", "status"};
  impl_->requests.Add({{"kind", names[static_cast<int>(kind)]}}).Increment();
}
void NodeMetrics::refused(service::RefusalCode code) {
  impl_->refusals.Add({{"cause", std::string(service::to_string(code))}}).Increment();
}
void NodeMetrics::workflow_started() {
  impl_->started.Increment();
  impl_->hosted.Increment();
}
void NodeMetrics::workflow_ended(EndReason reason) {
  impl_->ended.Add({{"reason", std::string(to_string(reason))}}).Increment();
  impl_->hosted.Decrement();
}
void NodeMetrics::samples_dispatched(std::uint32_t k) { impl_->dispatched.Increment(k); }
void NodeMetrics::sample_settled(Money cost) {
  impl_->settled.Increment();
  impl_->committed.Increment(static_cast<double>(cost) * 1e-12);
}
void NodeMetrics::samples_redispatched(int n) { impl_->redispatched.Increment(n); }
void NodeMetrics::reserved_changed(Money delta) { impl_->reserved.Increment(static_cast<double>(delta) * 1e-12); }
void NodeMetrics::planner_decision(double seconds) { impl_->decisions.Observe(seconds); }

}  // namespace concord::cli

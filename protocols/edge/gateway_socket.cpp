#include "edge/gateway_socket.hpp"

#include "edge/curve_server.hpp"

#include <deque>
#include <optional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <sys/eventfd.h>
#include <unistd.h>

#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace concord::edge {

namespace {

struct Outgoing {
  std::string peer;
  std::string bytes;
  service::WorkflowId workflow = 0;  // events only: for the lost-range bookkeeping
  service::Seq seq = 0;
};

}  // namespace

struct GatewaySocket::Impl {
  GatewaySocketOptions options;
  OnRequest on_request;
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::router};
  std::optional<zmq::socket_t> zap;  // the ZAP handler's socket (CURVE only)
  std::string bound;
  int wake_fd = -1;
  std::atomic<bool> stopping{false};
  std::mutex mx;
  std::deque<Outgoing> outbox;  // guarded by mx
  GatewayCounters counters;
  // Per (client, workflow): the events dropped since the last one delivered (this thread only).
  std::map<std::pair<std::string, service::WorkflowId>, service::Lost> gaps;
  std::thread thread;

  Impl(GatewaySocketOptions o, OnRequest f) : options(std::move(o)), on_request(std::move(f)) {
    configure_router(socket, options.send_hwm, options.receive_hwm, options.limits.max_bytes);
    zap = enable_curve_server(context, socket, options.curve_secret_z85);
    try {
      socket.bind(options.endpoint);
    } catch (const zmq::error_t& e) {
      throw std::runtime_error("cannot bind " + options.endpoint + ": " + e.what());
    }
    bound = socket.get(zmq::sockopt::last_endpoint);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) throw std::runtime_error("eventfd failed");
    thread = std::thread([this] { loop(); });
  }

  ~Impl() {
    stopping = true;
    wake();
    if (thread.joinable()) thread.join();
    ::close(wake_fd);
  }

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
  }

  /// Sends one message to a client without blocking; false when it would block or the client is gone.
  bool try_send(const std::string& peer, const std::string& bytes, bool& gone) {
    gone = false;
    try {
      if (!socket.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
      socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait);  // a started message always completes
      counters.sent.fetch_add(1, std::memory_order_relaxed);
      return true;
    } catch (const zmq::error_t& e) {
      if (e.num() == EHOSTUNREACH) {
        gone = true;
        return false;
      }
      throw;
    }
  }

  void deliver(Outgoing& m) {
    bool gone = false;
    if (m.seq > 0) {  // an event: first tell the client what it missed, if anything
      const auto key = std::make_pair(m.peer, m.workflow);
      if (auto it = gaps.find(key); it != gaps.end()) {
        service::Event lost;
        lost.workflow = m.workflow;
        lost.body = it->second;
        if (!try_send(m.peer, encode(service::Response{lost}), gone)) {
          if (gone) gaps.erase(it), counters.dropped_gone.fetch_add(1, std::memory_order_relaxed);
          else it->second.to_seq = m.seq, counters.dropped_slow.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        gaps.erase(it);
      }
      if (!try_send(m.peer, m.bytes, gone)) {
        if (gone) {
          counters.dropped_gone.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        counters.dropped_slow.fetch_add(1, std::memory_order_relaxed);
        auto [it, fresh] = gaps.try_emplace(key, service::Lost{m.seq, m.seq});
        if (!fresh) it->second.to_seq = m.seq;
      }
      return;
    }
    if (!try_send(m.peer, m.bytes, gone)) counters.dropped_gone.fetch_add(1, std::memory_order_relaxed);
  }

  void drain() {
    std::deque<Outgoing> batch;
    {
      std::lock_guard lock(mx);
      batch.swap(outbox);
    }
    for (auto& m : batch) deliver(m);
  }

  void receive() {
    for (int i = 0; i < 1000; ++i) {  // bounded: the outbox gets its turn
      std::vector<zmq::message_t> frames;
      const auto got = zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait);
      if (!got) return;
      counters.received.fetch_add(1, std::memory_order_relaxed);
      if (frames.size() < 2) continue;  // no identity: cannot answer
      std::string peer = frames.front().to_string();
      auto refuse = [&](service::Refused r) {
        counters.refused.fetch_add(1, std::memory_order_relaxed);
        bool gone = false;
        try_send(peer, encode(service::Response{std::move(r)}), gone);
      };
      if (frames.size() != 2) {
        refuse(service::Refused{service::RefusalCode::bad_message,
                                "expected one frame holding one Cap'n Proto Request, got " + std::to_string(frames.size() - 1),
                                0, 0});
        continue;
      }
      auto decoded = decode_request(frames[1].to_string_view(), options.limits);
      if (auto* r = std::get_if<service::Refused>(&decoded)) {
        refuse(std::move(*r));
        continue;
      }
      on_request(std::move(peer), std::move(std::get<service::Request>(decoded)));
    }
  }

  /// One ZAP request (RFC 27): CURVE credentials are the client's 32-byte public key.
  void authenticate() {
    if (!answer_zap(*zap, options.allowed_clients)) counters.unauthenticated.fetch_add(1, std::memory_order_relaxed);
  }

  void loop() {
    while (!stopping) {
      zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                                 {nullptr, wake_fd, ZMQ_POLLIN, 0},
                                 {zap ? static_cast<void*>(*zap) : nullptr, zap ? 0 : -1, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, zap ? 3 : 2, std::chrono::milliseconds(200));
        if (zap && (items[2].revents & ZMQ_POLLIN)) authenticate();
        if (items[1].revents & ZMQ_POLLIN) {
          std::uint64_t n = 0;
          [[maybe_unused]] const auto r = ::read(wake_fd, &n, sizeof n);
        }
        drain();
        if (items[0].revents & ZMQ_POLLIN) receive();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        // Anything else is one message's problem; the gateway keeps serving.
      }
    }
  }
};

GatewaySocket::GatewaySocket(GatewaySocketOptions options, OnRequest on_request)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(on_request))) {}

GatewaySocket::~GatewaySocket() = default;

const std::string& GatewaySocket::bound_endpoint() const { return impl_->bound; }

void GatewaySocket::send(const std::string& peer, const service::Response& response) {
  Outgoing m{peer, encode(response), 0, 0};
  if (const auto* e = std::get_if<service::Event>(&response); e && e->seq > 0) m.workflow = e->workflow, m.seq = e->seq;
  {
    std::lock_guard lock(impl_->mx);
    impl_->outbox.push_back(std::move(m));
  }
  impl_->wake();
}

const GatewayCounters& GatewaySocket::counters() const { return impl_->counters; }

}  // namespace concord::edge

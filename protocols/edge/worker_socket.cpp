#include "edge/worker_socket.hpp"

#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sys/eventfd.h>
#include <unistd.h>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "edge/curve_server.hpp"
#include "edge/worker_codec.hpp"

namespace concord::edge {

struct WorkerSocket::Impl {
  WorkerSocketOptions options;
  OnMessage on_message;
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::router};
  std::optional<zmq::socket_t> zap;
  std::string bound;
  int wake_fd = -1;
  std::atomic<bool> stopping{false};
  std::mutex mx;
  std::deque<std::pair<std::string, std::string>> outbox;  // (peer, bytes), guarded by mx
  WorkerSocketCounters counters;
  std::thread thread;

  Impl(WorkerSocketOptions o, OnMessage f) : options(std::move(o)), on_message(std::move(f)) {
    configure_router(socket, options.hwm, options.hwm, options.limits.max_bytes);
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

  void try_send(const std::string& peer, const std::string& bytes) {
    try {
      if (socket.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
        counters.sent.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EHOSTUNREACH) throw;
    }
    counters.undeliverable.fetch_add(1, std::memory_order_relaxed);
  }

  void drain() {
    std::deque<std::pair<std::string, std::string>> batch;
    {
      std::lock_guard lock(mx);
      batch.swap(outbox);
    }
    for (auto& [peer, bytes] : batch) try_send(peer, bytes);
  }

  void receive() {
    for (int i = 0; i < 1000; ++i) {  // bounded: the outbox gets its turn
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) return;
      counters.received.fetch_add(1, std::memory_order_relaxed);
      if (frames.size() < 2) continue;
      std::string peer = frames.front().to_string();
      auto decoded = frames.size() == 2 ? decode_worker_message(frames[1].to_string_view(), options.limits)
                                        : std::variant<service::WorkerMessage, std::string>{
                                              "expected one frame holding one Cap'n Proto WorkerMessage, got " +
                                              std::to_string(frames.size() - 1)};
      if (auto* why = std::get_if<std::string>(&decoded)) {
        counters.undecodable.fetch_add(1, std::memory_order_relaxed);
        try_send(peer, encode(service::NodeMessage{service::WorkerRegisterRefused{*why}}));
        continue;
      }
      on_message(std::move(peer), std::move(std::get<service::WorkerMessage>(decoded)));
    }
  }

  void loop() {
    while (!stopping) {
      zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                                 {nullptr, wake_fd, ZMQ_POLLIN, 0},
                                 {zap ? static_cast<void*>(*zap) : nullptr, zap ? 0 : -1, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, zap ? 3 : 2, std::chrono::milliseconds(200));
        if (zap && (items[2].revents & ZMQ_POLLIN) && !answer_zap(*zap, options.allowed_clients))
          counters.unauthenticated.fetch_add(1, std::memory_order_relaxed);
        if (items[1].revents & ZMQ_POLLIN) {
          std::uint64_t n = 0;
          [[maybe_unused]] const auto r = ::read(wake_fd, &n, sizeof n);
        }
        drain();
        if (items[0].revents & ZMQ_POLLIN) receive();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
      }
    }
  }
};

WorkerSocket::WorkerSocket(WorkerSocketOptions options, OnMessage on_message)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(on_message))) {}

WorkerSocket::~WorkerSocket() = default;

const std::string& WorkerSocket::bound_endpoint() const { return impl_->bound; }

void WorkerSocket::send(const std::string& peer, const service::NodeMessage& message) {
  auto bytes = encode(message);
  {
    std::lock_guard lock(impl_->mx);
    impl_->outbox.emplace_back(peer, std::move(bytes));
  }
  impl_->wake();
}

const WorkerSocketCounters& WorkerSocket::counters() const { return impl_->counters; }

}  // namespace concord::edge

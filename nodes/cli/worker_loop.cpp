#include "cli/worker_loop.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fmt/format.h>
#include <zmq.hpp>

#include "cli/exit_codes.hpp"
#include "cli/printable.hpp"
#include "edge/worker_codec.hpp"

namespace concord::cli {

namespace {

using clock = std::chrono::steady_clock;
using namespace concord::service;

static_assert(static_cast<int>(workers::ErrorClass::exit_status) == static_cast<int>(SampleError::exit_status),
              "workers::ErrorClass and service::SampleError name the same classes in the same order");

struct Running {
  std::thread thread;
  std::atomic<bool> cancel{false};
};

workers::SampleJob job_of(const WorkerSampleRequest& r) {
  workers::SampleJob j;
  j.sample_id = r.sample_id;
  j.model = r.model;
  j.subtask = r.subtask;
  j.seed = r.seed;
  for (const auto& m : r.messages) j.messages.push_back({m.role, m.content});
  j.token_cap = r.token_cap;
  j.time_limit_s = r.time_limit_s;
  j.time_scale = r.time_scale;
  return j;
}

WorkerSampleResult result_of(std::uint64_t id, const workers::SampleOutcome& o, WorkerFault fault, std::int64_t cap) {
  WorkerSampleResult r;
  r.sample_id = id;
  r.success = o.success;
  r.output = o.output.size() > (1u << 20) ? o.output.substr(0, 1u << 20) : o.output;
  r.input_tokens = o.input_tokens;
  r.output_tokens = o.output_tokens;
  r.latency_s = o.latency_s;
  r.error = static_cast<SampleError>(o.error);
  r.detail = o.detail;
  r.usage_known = o.usage_known;
  switch (fault) {
    case WorkerFault::none: break;
    case WorkerFault::lie_tokens:  // claims a long, successful answer
      r.output_tokens = std::max<std::int64_t>(cap, 1) * 10;
      break;
    case WorkerFault::lie_latency: r.latency_s = -5; break;
    case WorkerFault::garbage:
      r.success = true;
      r.error = SampleError::none;
      r.output = std::string("\x01\xff garbage \xfe\x02", 14);
      break;
  }
  return r;
}

class Loop {
 public:
  Loop(const WorkerLoopOptions& o, workers::Backend& b) : o_(o), backend_(b) {}

  int run() {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // before any thread: they inherit the mask
    signal_fd_ = ::signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    connect();
    const int code = loop();
    for (auto& [id, r] : running_) r->cancel = true;
    for (auto& [id, r] : running_)
      if (r->thread.joinable()) r->thread.join();
    ::close(wake_fd_);
    ::close(signal_fd_);
    return code;
  }

 private:
  void connect() {
    socket_.emplace(context_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    socket_->set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(16u << 20));
    if (!o_.curve_server_public.empty()) {
      char pub[41] = {};
      zmq_curve_public(pub, o_.curve_secret.c_str());
      socket_->set(zmq::sockopt::curve_serverkey, o_.curve_server_public);
      socket_->set(zmq::sockopt::curve_publickey, std::string(pub));
      socket_->set(zmq::sockopt::curve_secretkey, o_.curve_secret);
    }
    socket_->connect(o_.endpoint);
    send(WorkerMessage{o_.registration});
    registered_ = false;
    register_sent_ = clock::now();
  }

  void send(const WorkerMessage& m) { socket_->send(zmq::buffer(edge::encode(m)), zmq::send_flags::dontwait); }

  void start(const WorkerSampleRequest& r) {
    auto run = std::make_unique<Running>();
    Running* raw = run.get();
    const std::uint64_t id = r.sample_id;
    const std::int64_t cap = r.token_cap;
    auto job = job_of(r);
    running_[id] = std::move(run);
    raw->thread = std::thread([this, raw, id, cap, job = std::move(job)] {
      workers::SampleOutcome out;
      try {
        out = backend_.run(job, raw->cancel);
      } catch (const std::exception& e) {  // a backend must not throw; if one does, the sample fails
        out.error = workers::ErrorClass::malformed;
        out.detail = std::string("worker error: ") + e.what();
      }
      {
        std::lock_guard lock(mx_);
        done_.push_back(result_of(id, out, o_.fault, cap));
      }
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
    });
  }

  void pump() {
    while (running_.size() < o_.registration.capacity && !waiting_.empty()) {
      start(waiting_.front());
      waiting_.pop_front();
    }
  }

  void heartbeat() {
    const auto cap = o_.registration.capacity;
    const auto busy = static_cast<std::uint32_t>(running_.size());
    send(WorkerMessage{WorkerHeartbeat{static_cast<std::uint32_t>(busy + waiting_.size()), cap > busy ? cap - busy : 0}});
    last_beat_ = clock::now();
  }

  /// Returns an exit code when the loop must end.
  std::optional<int> on_node_message(const NodeMessage& m) {
    if (const auto* r = std::get_if<WorkerRegistered>(&m)) {
      registered_ = true;
      interval_s_ = r->heartbeat_interval_s > 0 ? r->heartbeat_interval_s : 1;
      std::cout << fmt::format("concord worker {}: registered with node {} (heartbeat every {} s)", printable(o_.registration.name),
                               printable(r->node), interval_s_)
                << std::endl;
      heartbeat();
    } else if (std::holds_alternative<WorkerUnknown>(m)) {
      // The node no longer knows us (it restarted, or took us for dead): register again, once
      // (the answers to heartbeats already on their way say the same and are ignored meanwhile).
      if (registered_) {
        std::cerr << fmt::format("concord worker {}: the node forgot this worker; registering again\n", printable(o_.registration.name));
        send(WorkerMessage{o_.registration});
        registered_ = false;
        register_sent_ = clock::now();
      }
    } else if (const auto* r = std::get_if<WorkerRegisterRefused>(&m)) {
      std::cerr << fmt::format("concord worker {}: error: registration refused: {}\n", printable(o_.registration.name), printable(r->reason));
      return kExitBadInput;
    } else if (const auto* r = std::get_if<WorkerSampleRequest>(&m)) {
      if (running_.count(r->sample_id)) return std::nullopt;  // a duplicate
      waiting_.push_back(*r);
      pump();
    } else if (const auto* r = std::get_if<WorkerCancel>(&m)) {
      if (auto it = running_.find(r->sample_id); it != running_.end()) it->second->cancel = true;
      for (auto it = waiting_.begin(); it != waiting_.end(); ++it)
        if (it->sample_id == r->sample_id) {
          WorkerSampleResult c;
          c.sample_id = r->sample_id;
          c.error = SampleError::cancelled;
          send(WorkerMessage{c});
          waiting_.erase(it);
          break;
        }
    }
    return std::nullopt;
  }

  int loop() {
    for (;;) {
      zmq::pollitem_t items[] = {{static_cast<void*>(*socket_), 0, ZMQ_POLLIN, 0},
                                 {nullptr, wake_fd_, ZMQ_POLLIN, 0},
                                 {nullptr, signal_fd_, ZMQ_POLLIN, 0}};
      zmq::poll(items, 3, std::chrono::milliseconds(50));
      if (items[2].revents & ZMQ_POLLIN) {
        std::cout << fmt::format("concord worker {}: stopping", printable(o_.registration.name)) << std::endl;
        return kExitOk;
      }
      if (items[1].revents & ZMQ_POLLIN) {
        std::uint64_t n = 0;
        [[maybe_unused]] const auto r = ::read(wake_fd_, &n, sizeof n);
      }
      std::deque<WorkerSampleResult> done;
      {
        std::lock_guard lock(mx_);
        done.swap(done_);
      }
      for (auto& r : done) {
        if (auto it = running_.find(r.sample_id); it != running_.end()) {
          it->second->thread.join();
          running_.erase(it);
        }
        send(WorkerMessage{r});
        ++answered_;
      }
      if (!done.empty()) pump();
      if (o_.max_samples > 0 && answered_ >= o_.max_samples) return kExitOk;
      for (int i = 0; i < 1000 && (items[0].revents & ZMQ_POLLIN); ++i) {
        zmq::message_t msg;
        if (!socket_->recv(msg, zmq::recv_flags::dontwait)) break;
        auto decoded = edge::decode_node_message(msg.to_string_view());
        if (auto* why = std::get_if<std::string>(&decoded)) {
          std::cerr << fmt::format("concord worker {}: ignored a message from the node: {}\n", printable(o_.registration.name), printable(*why));
          continue;
        }
        if (auto code = on_node_message(std::get<NodeMessage>(decoded))) return *code;
      }
      const auto now = clock::now();
      auto since = [&](clock::time_point t) { return std::chrono::duration<double>(now - t).count(); };
      if (!registered_) {
        if (since(register_sent_) > o_.register_timeout_s) {
          std::cerr << fmt::format("concord worker {}: error: no node answered at {} within {} s\n", printable(o_.registration.name),
                                   printable(o_.endpoint), o_.register_timeout_s);
          return kExitInternal;
        }
        continue;
      }
      // The node does not answer heartbeats (an idle worker hears nothing, rightly). A node that
      // restarted answers the next heartbeat with unknownWorker, and the
      // worker registers again (on_node_message); ZeroMQ reconnects the socket by itself.
      if (since(last_beat_) >= interval_s_) heartbeat();
    }
  }

  const WorkerLoopOptions& o_;
  workers::Backend& backend_;
  zmq::context_t context_{1};
  std::optional<zmq::socket_t> socket_;
  int wake_fd_ = -1, signal_fd_ = -1;
  std::mutex mx_;
  std::deque<WorkerSampleResult> done_;  // guarded by mx_
  std::map<std::uint64_t, std::unique_ptr<Running>> running_;
  std::deque<WorkerSampleRequest> waiting_;
  bool registered_ = false;
  clock::time_point register_sent_, last_beat_;
  double interval_s_ = 1;
  std::uint64_t answered_ = 0;
};

}  // namespace

int run_worker_loop(const WorkerLoopOptions& options, workers::Backend& backend) {
  Loop loop(options, backend);
  return loop.run();
}

}  // namespace concord::cli

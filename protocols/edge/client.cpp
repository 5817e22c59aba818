#include "edge/client.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <zmq.hpp>

#include "edge/curve_keys.hpp"
#include "edge/wire_codec.hpp"

namespace concord::edge {

struct Client::Impl {
  ClientOptions options;
  zmq::context_t context{1};
  std::optional<zmq::socket_t> socket;

  explicit Impl(ClientOptions o) : options(std::move(o)) { open(); }

  void open() {
    socket.emplace(context, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::linger, 0);
    if (!options.curve_server_public.empty()) {
      socket->set(zmq::sockopt::curve_serverkey, options.curve_server_public);
      socket->set(zmq::sockopt::curve_publickey, curve_public_of(options.curve_secret));
      socket->set(zmq::sockopt::curve_secretkey, options.curve_secret);
    }
    try {
      socket->connect(options.endpoint);
    } catch (const zmq::error_t& e) {
      throw ClientError(fmt::format("{}: cannot connect: {}", options.endpoint, e.what()));
    }
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

void Client::reconnect() { impl_->open(); }

void Client::send(const service::Request& request) {
  const std::string bytes = encode(request);
  impl_->socket->send(zmq::buffer(bytes), zmq::send_flags::none);
}

std::optional<service::Response> Client::receive(std::optional<double> timeout_s) {
  const double t = timeout_s.value_or(impl_->options.timeout_s);
  zmq::pollitem_t item{static_cast<void*>(*impl_->socket), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, std::chrono::milliseconds(static_cast<long long>(t * 1000))) == 0) return std::nullopt;
  zmq::message_t msg;
  if (!impl_->socket->recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
  auto decoded = decode_response(msg.to_string_view());
  if (auto* err = std::get_if<std::string>(&decoded)) throw ClientError(fmt::format("{}: {}", impl_->options.endpoint, *err));
  return std::get<service::Response>(std::move(decoded));
}

service::Response Client::call(const service::Request& request) {
  send(request);
  // Events of a watch this client runs may be in flight: the answer is the first non-event.
  for (int i = 0; i < 1'000'000; ++i) {
    auto r = receive();
    if (!r) throw ClientError(fmt::format("{}: no answer within {} s (is a node's --gateway there?)", impl_->options.endpoint,
                                          impl_->options.timeout_s));
    if (!std::holds_alternative<service::Event>(*r)) return std::move(*r);
  }
  throw ClientError("no answer among a million events");
}

std::optional<service::Ended> Client::watch(service::WorkflowId id, service::Seq from_seq,
                                            const std::function<bool(const service::Event&)>& on_event, double idle_timeout_s) {
  send(service::WatchRequest{id, from_seq});
  // Events already received (e.g. a Submit with watch set, then this watch's replay) are skipped.
  service::Seq next = std::max<service::Seq>(from_seq, 1);
  for (;;) {
    auto r = receive(idle_timeout_s);
    if (!r) throw ClientError(fmt::format("{}: no event for {} s while watching workflow {}", impl_->options.endpoint, idle_timeout_s, id));
    if (auto* refused = std::get_if<service::Refused>(&*r)) throw ClientError(refused->text);
    auto* e = std::get_if<service::Event>(&*r);
    if (!e || e->workflow != id) continue;  // an answer or event that is not this watch's
    if (e->seq > 0 && e->seq < next) continue;
    if (e->seq > 0) next = e->seq + 1;
    if (!on_event(*e)) return std::nullopt;
    if (auto* end = std::get_if<service::Ended>(&e->body)) return *end;
  }
}

}  // namespace concord::edge

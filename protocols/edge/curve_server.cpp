#include "edge/curve_server.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include <zmq_addon.hpp>

namespace concord::edge {

void configure_router(zmq::socket_t& socket, int send_hwm, int receive_hwm, std::size_t max_message_bytes) {
  socket.set(zmq::sockopt::router_mandatory, 1);
  socket.set(zmq::sockopt::sndhwm, send_hwm);
  socket.set(zmq::sockopt::rcvhwm, receive_hwm);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(max_message_bytes));
  socket.set(zmq::sockopt::linger, 0);
}

std::optional<zmq::socket_t> enable_curve_server(zmq::context_t& context, zmq::socket_t& socket, const std::string& secret_z85) {
  if (secret_z85.empty()) return std::nullopt;
  zmq::socket_t zap(context, zmq::socket_type::rep);
  zap.set(zmq::sockopt::linger, 0);
  zap.bind("inproc://zeromq.zap.01");
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, secret_z85);
  socket.set(zmq::sockopt::zap_domain, "concord");
  return zap;
}

bool answer_zap(zmq::socket_t& zap, const std::set<std::string>& allowed_clients) {
  std::vector<zmq::message_t> req;
  if (!zmq::recv_multipart(zap, std::back_inserter(req), zmq::recv_flags::dontwait)) return true;
  if (req.size() < 6) return true;  // not ZAP: nothing sensible to answer
  bool ok = false;
  if (req[5].to_string_view() == "CURVE" && req.size() >= 7 && req[6].size() == 32) {
    char z85[41] = {};
    zmq_z85_encode(z85, static_cast<const std::uint8_t*>(req[6].data()), 32);
    ok = allowed_clients.count(z85) != 0;
  }
  std::array<zmq::const_buffer, 6> reply{zmq::str_buffer("1.0"), zmq::buffer(req[1].data(), req[1].size()),
                                         ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
                                         ok ? zmq::str_buffer("OK") : zmq::str_buffer("client key not allowed"),
                                         zmq::str_buffer(""), zmq::str_buffer("")};
  zmq::send_multipart(zap, reply);
  return ok;
}

}  // namespace concord::edge

#pragma once
// A ROUTER socket as a CURVE server with a ZAP handler (RFC 27) that admits the listed client
// keys: what the gateway's and the worker endpoint's sockets share. Internal: includes cppzmq.
#include <cstddef>
#include <optional>
#include <set>
#include <string>

#include <zmq.hpp>

namespace concord::edge {

/// The options both ROUTER sockets of a node take: failing sends to unknown peers
/// (ROUTER_MANDATORY), high-water marks, ZMQ_MAXMSGSIZE (a peer sending more is disconnected by
/// ZeroMQ), no linger.
void configure_router(zmq::socket_t& socket, int send_hwm, int receive_hwm, std::size_t max_message_bytes);

/// Makes `socket` a CURVE server with `secret_z85` and binds the context's ZAP handler socket
/// (before any bind: libzmq asks it about every handshake). Empty secret: nothing, no handler.
std::optional<zmq::socket_t> enable_curve_server(zmq::context_t& context, zmq::socket_t& socket, const std::string& secret_z85);

/// Answers one pending ZAP request on `zap`: allowed iff the client's public key (Z85) is listed.
/// Returns false when a client was refused (for the caller's counter).
bool answer_zap(zmq::socket_t& zap, const std::set<std::string>& allowed_clients);

}  // namespace concord::edge

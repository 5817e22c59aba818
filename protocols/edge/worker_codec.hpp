#pragma once
// Cap'n Proto bytes <-> the worker protocol's messages (runtime/service/worker_messages.hpp), per
// protocols/concord.capnp's WorkerMessage / NodeMessage. Decoding never throws: hostile bytes
// become an error text naming what was wrong. Limits as wire_codec.hpp's (16 MiB, nesting 64).
#include <string>
#include <string_view>
#include <variant>

#include "edge/wire_codec.hpp"
#include "service/worker_messages.hpp"

namespace concord::edge {

std::string encode(const service::WorkerMessage& message);
std::string encode(const service::NodeMessage& message);

/// A worker's message, or what was wrong with the bytes.
std::variant<service::WorkerMessage, std::string> decode_worker_message(std::string_view bytes, const DecodeLimits& limits = {});
/// A node's message, or what was wrong with the bytes.
std::variant<service::NodeMessage, std::string> decode_node_message(std::string_view bytes, const DecodeLimits& limits = {});

}  // namespace concord::edge

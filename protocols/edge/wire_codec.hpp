#pragma once
// Cap'n Proto bytes <-> the service's messages (runtime/service/service_messages.hpp), per
// protocols/concord.capnp. One ZeroMQ frame = one message in the standard framing (segment table
// first). Decoding never throws: hostile bytes become a refusal (requests) or an error (responses)
// naming what was wrong. The node's limits (16 MiB, nesting 64) are the defaults.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "service/service_messages.hpp"

namespace concord::edge {

struct DecodeLimits {
  std::size_t max_bytes = 16u << 20;     // larger messages are refused before any parsing
  std::uint64_t traversal_words = (16u << 20) / 8;  // Cap'n Proto's traversal limit (amplification guard)
  int nesting = 64;
};

std::string encode(const service::Request& request);
std::string encode(const service::Response& response);

/// A request, or the refusal to answer it with (bad_message / bad_version, text naming the problem).
std::variant<service::Request, service::Refused> decode_request(std::string_view bytes, const DecodeLimits& limits = {});
/// A response, or what was wrong with the bytes.
std::variant<service::Response, std::string> decode_response(std::string_view bytes, const DecodeLimits& limits = {});

}  // namespace concord::edge

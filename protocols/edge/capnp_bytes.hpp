#pragma once
// Internal to the codecs (wire_codec.cpp, worker_codec.cpp): Cap'n Proto flat-array bytes in and
// out, within the decode limits. Not installed; includes Cap'n Proto.
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include "edge/wire_codec.hpp"

namespace concord::edge::detail {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

inline kj::StringPtr text(const std::string& s) { return kj::StringPtr(s.c_str(), s.size()); }
inline std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

inline std::string to_bytes(capnp::MallocMessageBuilder& mb) {
  const auto words = capnp::messageToFlatArray(mb);
  const auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

/// What was wrong with the bytes (before Cap'n Proto looked at them).
struct BadBytes {
  std::string why;
};

/// Bytes -> a reader, within the limits; throws BadBytes.
struct Reader {
  kj::Array<capnp::word> words;
  std::optional<capnp::FlatArrayMessageReader> reader;
  Reader(std::string_view bytes, const DecodeLimits& limits) {
    if (bytes.size() > limits.max_bytes)
      throw BadBytes{fmt::format("message of {} bytes is larger than the limit of {} bytes", bytes.size(), limits.max_bytes)};
    if (bytes.empty()) throw BadBytes{"empty message"};
    if (bytes.size() % sizeof(capnp::word) != 0)
      throw BadBytes{fmt::format("message of {} bytes is not a whole number of 8-byte words (truncated?)", bytes.size())};
    words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words.begin(), bytes.data(), bytes.size());  // Cap'n Proto reads aligned words
    capnp::ReaderOptions o;
    o.traversalLimitInWords = limits.traversal_words;
    o.nestingLimit = limits.nesting;
    reader.emplace(words.asPtr(), o);
  }
};

}  // namespace concord::edge::detail

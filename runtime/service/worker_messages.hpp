#pragma once
// What external workers and a node's worker endpoint say to each other (protocols/concord.capnp's
// worker protocol), as plain C++: protocols/edge/worker_codec.hpp converts them to and from Cap'n
// Proto bytes. Field for field the schema; units as there: real seconds, tokens, dollars per 1M
// tokens (prices as the worker states them; the node charges with its own exact money).
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace concord::service {

struct ModelOffer {
  std::string model;
  double usd_per_mtok_in = 0;
  double usd_per_mtok_out = 0;
  friend bool operator==(const ModelOffer&, const ModelOffer&) = default;
};

struct WorkerRegister {
  std::string name;
  std::vector<ModelOffer> models;
  std::uint32_t capacity = 1;
  std::string kind;
  friend bool operator==(const WorkerRegister&, const WorkerRegister&) = default;
};

struct WorkerHeartbeat {
  std::uint32_t queue = 0;
  std::uint32_t free_slots = 0;
  friend bool operator==(const WorkerHeartbeat&, const WorkerHeartbeat&) = default;
};

/// Same names and order as concord.capnp's SampleResult.ErrorClass (and workers::ErrorClass).
enum class SampleError : std::uint8_t {
  none = 0, http_status, rate_limited, timeout, malformed, transport, cancelled, truncated, exec_failed, exit_status
};
inline constexpr std::uint8_t kSampleErrorCount = 10;

struct WorkerSampleResult {
  std::uint64_t sample_id = 0;
  bool success = false;
  std::string output;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  double latency_s = 0;
  SampleError error = SampleError::none;
  std::string detail;
  bool usage_known = true;
  friend bool operator==(const WorkerSampleResult&, const WorkerSampleResult&) = default;
};

using WorkerMessage = std::variant<WorkerRegister, WorkerHeartbeat, WorkerSampleResult>;

struct WorkerRegistered {
  std::string node;
  double heartbeat_interval_s = 1;
  double heartbeat_timeout_s = 5;
  friend bool operator==(const WorkerRegistered&, const WorkerRegistered&) = default;
};

struct WorkerRegisterRefused {
  std::string reason;
  friend bool operator==(const WorkerRegisterRefused&, const WorkerRegisterRefused&) = default;
};

struct WireChatMessage {
  std::string role;
  std::string content;
  friend bool operator==(const WireChatMessage&, const WireChatMessage&) = default;
};

struct WorkerSampleRequest {
  std::uint64_t sample_id = 0;
  std::string model;
  std::string subtask;
  std::uint64_t seed = 0;
  std::vector<WireChatMessage> messages;
  std::int64_t token_cap = 0;
  double time_limit_s = 0;
  double time_scale = 1;
  friend bool operator==(const WorkerSampleRequest&, const WorkerSampleRequest&) = default;
};

struct WorkerCancel {
  std::uint64_t sample_id = 0;
  friend bool operator==(const WorkerCancel&, const WorkerCancel&) = default;
};

/// The node does not know the worker (it restarted, or declared it dead): register again.
struct WorkerUnknown {
  friend bool operator==(const WorkerUnknown&, const WorkerUnknown&) = default;
};

using NodeMessage = std::variant<WorkerRegistered, WorkerRegisterRefused, WorkerSampleRequest, WorkerCancel, WorkerUnknown>;

}  // namespace concord::service

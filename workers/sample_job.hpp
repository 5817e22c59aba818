#pragma once
// What an external worker is asked to do and what it answers, independent of the transport
// (the node speaks concord.capnp's worker protocol over ZeroMQ; this is its plain-C++ side).
// No CAF, no ZeroMQ. Units: real seconds, tokens as integers.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace concord::workers {

/// One chat message (OpenAI's roles: "system", "user", "assistant").
struct ChatMessage {
  std::string role;
  std::string content;
  friend bool operator==(const ChatMessage&, const ChatMessage&) = default;
};

/// One sample to run.
struct SampleJob {
  std::uint64_t sample_id = 0;       // unique per (node, workflow); echoed in the outcome
  std::string model;                 // the model id the node chose (a worker may serve several)
  std::string subtask;               // the subtask's id in the workflow file (simulated kind: profile lookup)
  std::uint64_t seed = 0;            // the simulated kind's draw (deterministic); others ignore it
  std::vector<ChatMessage> messages; // the rendered prompt (usually one "user" message)
  std::int64_t token_cap = 0;        // max output tokens (0: no cap); more is a truncated, failed sample
  double time_limit_s = 0;           // real seconds (0: none); past it the sample fails with `timeout`
  double time_scale = 1;             // simulated seconds per real second (the simulated kind sleeps latency / time_scale)
};

/// Why a sample failed (none: it did not). Stable names: logs, metrics and the wire use them.
enum class ErrorClass : std::uint8_t {
  none = 0,
  http_status,   // HTTP status other than 2xx and 429
  rate_limited,  // HTTP 429
  timeout,       // the time limit passed (or the server hung)
  malformed,     // a body that is not the protocol's (bad JSON, no choices, no usage...)
  transport,     // connection refused/reset, DNS, TLS
  cancelled,     // the node cancelled it
  truncated,     // the output reached the token cap
  exec_failed,   // the command could not be started
  exit_status,   // the command exited non-zero or was killed by a signal
};
std::string_view to_string(ErrorClass e);

/// What running a sample produced. latency_s is always >= 0 and measured by the worker.
struct SampleOutcome {
  bool success = false;
  std::string output;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  double latency_s = 0;
  ErrorClass error = ErrorClass::none;
  std::string detail;  // one human-readable line: HTTP status and body excerpt, exit code, parse error
  /// false: the worker cannot know what the sample consumed (an HTTP request cut short by a
  /// cancel or a timeout, or a body it could not read: the provider may still bill it). The node
  /// then charges the sample's whole reservation: money is never under-counted.
  bool usage_known = true;
};

/// A kind of worker. run() blocks the calling thread until the sample ends, the time limit passes
/// or `cancel` becomes true (then it returns within ~50 ms with error `cancelled`, having closed
/// its request or killed its process). It never throws; it may be called from several threads at once.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual SampleOutcome run(const SampleJob& job, const std::atomic<bool>& cancel) = 0;
};

}  // namespace concord::workers

#pragma once
// The OpenAI-compatible HTTP kind: POST {base}/v1/chat/completions (vLLM, llama.cpp's server,
// Ollama, hosted APIs). libcurl, no CAF, no ZeroMQ. docs/workers.md has the full mapping.
//
// Request: {"model": options.model, "messages": [{"role","content"}...], "max_tokens": token_cap}
// (max_tokens omitted when token_cap is 0); "Authorization: Bearer KEY" only when api_key is not
// empty. The job's `model` is Concord's id and is not sent. Redirects are not followed.
// Outcome:
//   2xx, choices[0].message.content a string, usage.prompt_tokens/completion_tokens integers >= 0
//       -> success, tokens from usage (finish_reason "length", or completion_tokens above a
//          non-zero token_cap -> truncated, output kept);
//   429 -> rate_limited (detail carries Retry-After when sent); other non-2xx -> http_status
//   (detail: status and the first 200 bytes of the body); bad JSON, missing fields or usage, a body
//   above max_response_bytes -> malformed; time limit -> timeout; connection refused/reset, DNS,
//   TLS, a connect timeout -> transport; cancel -> cancelled (the connection is closed within
//   ~20 ms).
// latency_s: real seconds from the start of the request to its end.
#include <cstddef>
#include <string>

#include "sample_job.hpp"

namespace concord::workers {

struct OpenAiOptions {
  std::string base_url;          // "http://127.0.0.1:8000" or ".../v1", trailing '/' allowed
  std::string model;             // the server-side model name
  std::string api_key;           // empty: no Authorization header
  double connect_timeout_s = 10; // real seconds for the TCP/TLS connect (part of the time limit)
  std::size_t max_response_bytes = 8u << 20;  // a longer body is malformed (8 MiB)
};

class OpenAiBackend final : public Backend {
 public:
  explicit OpenAiBackend(OpenAiOptions options);
  /// Thread-safe: one libcurl handle per call; libcurl's global init runs once.
  SampleOutcome run(const SampleJob& job, const std::atomic<bool>& cancel) override;
  /// The endpoint requests go to: base_url without trailing '/' and "/v1", then "/v1/chat/completions".
  const std::string& endpoint() const { return endpoint_; }

 private:
  OpenAiOptions options_;  // immutable after construction
  std::string endpoint_;
};

}  // namespace concord::workers

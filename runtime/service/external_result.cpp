#include "service/external_result.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace concord::service {

SettledExternal settle_external(const WorkerSampleResult& r, const ChargeTerms& terms) {
  SettledExternal s;
  const std::int64_t cap = std::max<std::int64_t>(0, terms.token_cap);
  s.cancelled = r.error == SampleError::cancelled;
  s.truncated = r.error == SampleError::truncated;
  s.success = r.success;
  if (r.success && r.error != SampleError::none) {
    s.lies.push_back(fmt::format("claimed success with error class {}", static_cast<int>(r.error)));
    s.success = false;
  }
  std::int64_t tokens = r.output_tokens;
  if (tokens < 0) {
    s.lies.push_back(fmt::format("reported {} output tokens", tokens));
    tokens = 0;
  }
  if (tokens > cap) {
    s.lies.push_back(fmt::format("reported {} output tokens, above the cap of {}", tokens, cap));
    tokens = cap;
    s.truncated = true;  // whatever it says, an answer that long was cut at the cap
  }
  if (r.input_tokens < 0) s.lies.push_back(fmt::format("reported {} input tokens", r.input_tokens));
  double latency = r.latency_s;
  if (!std::isfinite(latency) || latency < 0) {
    s.lies.push_back(fmt::format("reported a latency of {} s", latency));
    latency = 0;
  }
  if (s.truncated || s.cancelled) s.success = false;
  // A sample whose usage the worker cannot know (an HTTP request cut short: the provider may still
  // bill what it generated) is charged its whole reservation: never under-counted.
  s.tokens = r.usage_known ? tokens : cap;
  s.cost = terms.input_cost + s.tokens * terms.price_per_token;
  const double scale = terms.time_scale > 0 && std::isfinite(terms.time_scale) ? terms.time_scale : 1.0;
  s.latency_s = std::min(latency * scale, 1e12);
  return s;
}

}  // namespace concord::service

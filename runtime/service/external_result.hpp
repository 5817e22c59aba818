#pragma once
// What the node makes of an external worker's SampleResult (runtime/service/worker_messages.hpp):
// the sample's outcome and its charge, whatever the worker claims. Invariants, for any input:
//   cost <= input_cost + token_cap x price_per_token (the sample's reservation), cost >= 0;
//   latency_s >= 0 and finite; a truncated or cancelled sample is not a success.
// Every claim that cannot be true is named in `lies` (the node logs and counts them).
// Units: picodollars, tokens, seconds (real in the result, simulated out: x time_scale).
#include <cstdint>
#include <string>
#include <vector>

#include "model/money.hpp"
#include "service/worker_messages.hpp"

namespace concord::service {

struct ChargeTerms {
  std::int64_t token_cap = 0;   // > 0
  Money input_cost = 0;         // charged per sample (the workflow's input tokens x input price)
  Money price_per_token = 0;    // output
  double time_scale = 1;        // simulated seconds per real second
};

struct SettledExternal {
  bool success = false, truncated = false, cancelled = false;
  double latency_s = 0;         // simulated seconds
  std::int64_t tokens = 0;      // output tokens charged
  Money cost = 0;
  std::vector<std::string> lies;
};

SettledExternal settle_external(const WorkerSampleResult& r, const ChargeTerms& terms);

}  // namespace concord::service

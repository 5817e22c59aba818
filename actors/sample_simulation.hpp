#pragma once
// What a simulated model worker does with a request, as pure functions (no CAF):
// draw the sample jointly from the shipped profile, apply the token cap, and
// charge a cancelled sample pro-rata. Units: simulated seconds, tokens, picodollars.
#include <cmath>
#include <cstdint>

#include "messages.hpp"
#include "sim/rng.hpp"

namespace concord::actors {

struct SimulatedSample {
  double latency_s = 0;     // when it stops (after truncation)
  std::int64_t tokens = 0;  // output tokens if it runs to its end (after truncation)
  bool success = false;
  bool truncated = false;
};

inline SimulatedSample simulate_sample(const proto::sample_request& r) {
  Rng rng(r.seed);
  SimulatedSample s;
  const auto& p = r.profile;
  if (!p.latency_s.empty()) {
    const auto i = static_cast<std::size_t>(rng.below(p.latency_s.size()));
    s.latency_s = p.latency_s[i];
    s.tokens = p.tokens[i];
    s.success = p.success[i] != 0;
  } else {
    s.latency_s = std::max(1e-3, std::exp(p.lognormal_mu + p.lognormal_sigma * rng.normal()));
    s.success = rng.bernoulli(p.p_success);
    s.tokens = p.parametric_tokens;
  }
  if (s.tokens > r.token_cap) {  // stops at the cap, pro-rata in time, and fails
    s.latency_s *= static_cast<double>(r.token_cap) / static_cast<double>(s.tokens);
    s.tokens = r.token_cap;
    s.success = false;
    s.truncated = true;
  }
  return s;
}

/// The result of a sample that ran `elapsed_s` simulated seconds (all of it if >= latency).
inline proto::sample_result sample_outcome(const proto::sample_request& r, const SimulatedSample& s, double elapsed_s,
                                           const std::string& worker) {
  proto::sample_result out;
  out.sample_id = r.sample_id;
  out.subtask = r.subtask;
  out.worker = worker;
  if (elapsed_s >= s.latency_s) {
    out.success = s.success;
    out.truncated = s.truncated;
    out.latency_s = s.latency_s;
    out.tokens = s.tokens;
  } else {
    out.cancelled = true;
    out.latency_s = std::max(0.0, elapsed_s);
    out.tokens = static_cast<std::int64_t>(std::floor(static_cast<double>(s.tokens) * (out.latency_s / s.latency_s)));
  }
  out.cost = r.input_cost + out.tokens * r.price_per_token;
  return out;
}

}  // namespace concord::actors

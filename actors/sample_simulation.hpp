#pragma once
// What a simulated model worker does with a request (no CAF): draw the sample from the shipped
// profile, then follow the execution rules of runtime/sim/execution_rules.hpp (token cap,
// pro-rata charge when cancelled). Units: simulated seconds, tokens, picodollars.
#include <cstdint>
#include <string>

#include "messages.hpp"
#include "sim/execution_rules.hpp"
#include "sim/rng.hpp"

namespace concord::actors {

/// The sample as it will run (after the token cap): when it stops and what it yields.
using SimulatedSample = exec::Effective;

/// Draws the request's sample (bootstrap over the recorded samples, else the parametric draw)
/// from its seed, and applies the token cap.
inline SimulatedSample simulate_sample(const proto::sample_request& r) {
  LazyRng rng(r.seed);  // exec::sample_seed: the simulator draws this sample the same way
  const auto& p = r.profile;
  exec::Draw d;
  if (!p.latency_s.empty()) {
    const auto i = static_cast<std::size_t>(rng.below(p.latency_s.size()));
    d = {p.latency_s[i], p.tokens[i], p.success[i] != 0};
  } else {
    d = exec::draw_parametric(p.lognormal_mu, p.lognormal_sigma, p.p_success, p.parametric_tokens, rng);
  }
  return exec::apply_token_cap(d, r.token_cap);
}

/// The result of a sample that ran `elapsed_s` simulated seconds (all of it if >= its latency;
/// less: cancelled, charged pro-rata).
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
  } else {
    out.cancelled = true;
    out.latency_s = std::max(0.0, elapsed_s);
  }
  out.tokens = exec::tokens_after(s, elapsed_s);
  out.cost = exec::sample_cost(r.input_cost, r.price_per_token, out.tokens);
  return out;
}

}  // namespace concord::actors

#pragma once
// The actor system configuration every actor test uses: Concord's messages, quiet logs.
#include <cstdint>

#include <caf/all.hpp>

#include "messages.hpp"

namespace concord::actors::testing {

/// One configuration per test binary (CAF keeps a reference to it in every actor system).
inline caf::actor_system_config& quiet_config() {
  static caf::actor_system_config cfg;
  static const bool once = [] {
    proto::register_messages(cfg);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    return true;
  }();
  (void)once;
  return cfg;
}

/// The same on CAF's test coordinator: one thread, and only the test moves the actors along
/// (sched.run()) and time (a VirtualTime's timeline, or the coordinator's clock).
inline caf::actor_system_config& coordinator_config() {
  static caf::actor_system_config cfg;
  static const bool once = [] {
    proto::register_messages(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    return true;
  }();
  (void)once;
  return cfg;
}

/// A sample of 50 tokens at 10 picodollars over `latency_s` simulated seconds, always a success.
inline proto::sample_request simple_sample(std::uint64_t id, double latency_s) {
  proto::sample_request r;
  r.sample_id = id;
  r.price_per_token = 10;
  r.token_cap = 1000;
  r.profile.latency_s = {latency_s};
  r.profile.success = {1};
  r.profile.tokens = {50};
  return r;
}

}  // namespace concord::actors::testing

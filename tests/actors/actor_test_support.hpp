#pragma once
// The actor system configuration every actor test uses: Concord's messages, quiet logs.
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

}  // namespace concord::actors::testing

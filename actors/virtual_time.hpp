#pragma once
// The virtual clock of a deterministic embedded cluster (ClusterOptions::virtual_time). Actors
// given a VirtualTime put their timers on its timeline instead of CAF's; EmbeddedCluster::run
// drives it on CAF's test coordinator (one thread): it delivers the next event only once every
// message caused by the previous one has been handled, so virtual time stands still while
// anything (a planner deciding, a ledger answering) is going on. Actors without one (nullptr)
// run in real time. Not thread-safe: only the test coordinator's thread touches it.
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/message.hpp>
#include <caf/make_message.hpp>

#include "real_time.hpp"
#include "time/clock.hpp"
#include "time/virtual_timeline.hpp"

namespace concord::actors {

class VirtualTime final : public Clock {
 public:
  using Timeline = VirtualTimeline<std::pair<caf::actor, caf::message>>;

  /// time_scale: simulated seconds per "real" second, for the actors that measure real time
  /// (beacon ages, staleness, intervals given in real seconds).
  explicit VirtualTime(double time_scale) : time_scale_(time_scale > 0 ? time_scale : 1.0) {}

  /// Clock: the real-time view of virtual time (simulated seconds since the cluster started /
  /// time scale): monotonic across runs.
  time_point now() const override {
    return time_point(std::chrono::duration_cast<duration>(std::chrono::duration<double>((epoch_s_ + now_s()) / time_scale_)));
  }
  /// Simulated seconds since the current run started (exact: the simulator's instants).
  double now_s() const { return timeline_.now_s(); }
  /// A run starts: now_s() is 0 again (pending events keep their distance from now).
  void restart() {
    epoch_s_ += timeline_.now_s();
    timeline_.restart();
  }
  double time_scale() const { return time_scale_; }

  /// Delivers `msg` to `target` at `at_s` (simulated seconds) in `phase`.
  void at(double at_s, TimePhase phase, caf::actor target, caf::message msg) {
    timeline_.schedule(at_s, phase, {std::move(target), std::move(msg)});
  }
  Timeline& timeline() { return timeline_; }

 private:
  double time_scale_;
  double epoch_s_ = 0;  // simulated seconds from the cluster's start to the current run's
  Timeline timeline_;
};

/// Sends `xs...` to `self` `sim_delay_s` simulated seconds from now: on the virtual timeline
/// when there is one (in `phase`), else by CAF's timer after sim_delay_s / time_scale real seconds.
template <class Self, class... Ts>
void send_later(Self* self, VirtualTime* vt, double sim_delay_s, double time_scale, TimePhase phase, Ts&&... xs) {
  if (vt) vt->at(vt->now_s() + sim_delay_s, phase, caf::actor_cast<caf::actor>(self), caf::make_message(std::forward<Ts>(xs)...));
  else self->delayed_send(self, real_delay(sim_delay_s / time_scale), std::forward<Ts>(xs)...);
}

}  // namespace concord::actors

#pragma once
// A resource owner's price on its own clock (issue 13, docs/negotiation.md "Prices on the
// actors"): a DualPrice updated once per tick of tick_s seconds, ticks ending at origin + n x tick_s.
// An actor has no tick event to rely on (on a virtual clock its timers only fire when the run
// delivers them), so the price is advanced lazily: before an operation at now_s, every tick that
// ended before now_s is taken, in order, each with the consumption the owner observes for it.
// Since nothing after a tick's end has been applied when it is taken, the owner's state read
// then IS its state at that tick's end (an operation at exactly a tick's end counts in that
// tick, as the contention simulator's events at one instant come before its tick).
//
// Units: seconds on the owner's clock; consumption and pace in the DualPrice's resource units.
// Deterministic, single-threaded, no clock read.
#include <cstdint>
#include <vector>

#include "negotiate/dual_price.hpp"

namespace concord::negotiate {

/// A tick's consumption in units of the fixed pace rho when the tick's own pace is rho_t
/// (an adaptive pace, e.g. what is left of a budget over what is left of its window): b x rho / rho_t,
/// so that DualPrice's step on rho - b becomes (rho / rho_t)(rho_t - b). rho_t <= 0 (nothing left):
/// any consumption is far ahead of pace (1e6 x rho), none is none.
inline double in_fixed_pace_units(double consumption, double fixed_pace, double tick_pace) {
  if (fixed_pace <= 0) return consumption;
  return tick_pace > 0 ? consumption * fixed_pace / tick_pace : (consumption > 0 ? 1e6 * fixed_pace : 0.0);
}

/// An owner's price terms: its DualPrice and its tick; money may pace adaptively over a window.
struct PriceTerms {
  DualPriceConfig price;  // pace per tick (contention::money_price_config, slot_price_config)
  double tick_s = 5;      // seconds of the owner's clock (simulated seconds on an embedded cluster)
  /// Money only, > 0: the contention simulator's adaptive pace: what is left of the budget spread
  /// over what is left of a window of this many seconds from the owner's start,
  /// rho_t = left x tick / max(tick, window - tick end). 0: the fixed pace.
  double window_s = 0;
};

/// What the owner observed for one tick.
struct TickObservation {
  double consumption = 0;  // resource units used in the tick (>= 0)
  double pace = -1;        // this tick's pace (adaptive); < 0: the DualPrice's fixed pace
};

class TickedPrice {
 public:
  /// REQUIRES tick_s > 0 and finite, validate(config) empty (else std::invalid_argument).
  TickedPrice(const DualPriceConfig& config, double tick_s, double origin_s = 0);

  /// Takes every tick that ended before now_s: observe(end_s) -> TickObservation. At most
  /// kMaxCatchUp ticks per call; beyond them the clock jumps to now (the ticks skipped are not
  /// taken: the price stays where the last taken tick left it). Returns the price.
  template <class Observe>
  double advance(double now_s, Observe&& observe) {
    for (std::int64_t n = 0; next_end_s_ < now_s; ++n) {
      if (n >= kMaxCatchUp) {
        while (next_end_s_ < now_s) next_end_s_ += tick_s_ * static_cast<double>(kMaxCatchUp);
        break;
      }
      const TickObservation o = observe(next_end_s_);
      take(next_end_s_, o);
      next_end_s_ += tick_s_;
    }
    return price_.price();
  }

  double price() const { return price_.price(); }
  const DualPrice& dual() const { return price_; }
  double tick_s() const { return tick_s_; }
  /// The end of every tick taken, and the price after it (the trajectory).
  const std::vector<double>& tick_end_s() const { return ends_; }
  const std::vector<double>& history() const { return history_; }

  static constexpr std::int64_t kMaxCatchUp = 10'000'000;

 private:
  void take(double end_s, const TickObservation& o);

  DualPrice price_;
  double tick_s_;
  double next_end_s_;
  std::vector<double> ends_, history_;
};

}  // namespace concord::negotiate

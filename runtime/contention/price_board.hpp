#pragma once
// The prices negotiation posts (issue 13; DESIGN.md §7): one money price per tenant (its
// ledger's) and one slot price per model (its workers' selector's), each a negotiate::DualPrice
// (Euclidean dual mirror descent), updated every tick on the resource consumed in the tick:
//
//   money  (tenant t): consumption = dollars committed in the tick,
//                      pace = tenant budget x tick / window (the budget spread over the window);
//                      adaptive (ContentionConfig::adaptive_pace): the pace is what is left of the
//                      budget spread over what is left of the window, rho_t = left x tick / max(tick,
//                      window - now); DualPrice keeps its fixed pace rho, so it is fed b_t x rho / rho_t
//                      (the tick's consumption in units of the current pace): the gradient is then
//                      (rho / rho_t)(rho_t - b_t), mirror descent on the adaptive pace with a rescaled step.
//                      Money left unspent at light load raises the pace, so bursts do not move the price;
//   slots  (model m):  consumption = slot-seconds demanded in the tick (busy + queued samples,
//                      worker_pool.hpp), pace = capacity x tick x slot_target.
//
// Step size. eta = kappa / (pace x scale): a tick at twice the pace raises the price by
// kappa / scale, so after 1 / kappa such ticks using `scale` of the resource costs 1 unit of
// value (completion probability). Scales: money = a typical workflow's budget (dollars), slots =
// a typical workflow's slot-seconds at one sample per subtask. Prices start at 0 and are capped
// at max_price_x / scale. Units: money price per dollar, slot price per slot-second.
//
// Deterministic, single-threaded. Every tick is recorded (the price trajectories of the bench).
#include <vector>

#include "contention/contention_config.hpp"
#include "negotiate/dual_price.hpp"

namespace concord::contention {

struct PriceScales {
  double money_usd = 1;  // a typical workflow's budget (> 0)
  double slot_s = 1;     // a typical workflow's slot-seconds (> 0)
};

struct PriceTrajectory {
  std::vector<double> time_s;                // end of each tick
  std::vector<std::vector<double>> money;    // [tenant][tick]: price after the tick's update
  std::vector<std::vector<double>> slots;    // [model][tick]
  std::vector<std::vector<double>> money_demand, slot_demand;  // consumption of each tick (pace units: 1 = pace)
};

/// A tenant's money price (pace: budget x tick / window, dollars per tick) and a model's slot
/// price (pace: capacity x tick x slot_target, slot-seconds per tick): the step and cap above.
/// The actors' owners use the same (docs/negotiation.md "Prices on the actors").
negotiate::DualPriceConfig money_price_config(const ContentionConfig& config, PriceScales scales);
negotiate::DualPriceConfig slot_price_config(const ContentionConfig& config, int capacity, PriceScales scales);

class PriceBoard {
 public:
  /// REQUIRES config.validate() empty, capacity.size() == models, scales > 0.
  PriceBoard(const ContentionConfig& config, const std::vector<int>& capacity, PriceScales scales);

  double money_price(int tenant) const { return money_[static_cast<std::size_t>(tenant)].price(); }
  double slot_price(int model) const { return slots_[static_cast<std::size_t>(model)].price(); }
  /// One tick ending at now_s: consumption per tenant (dollars) and per model (slot-seconds);
  /// `money_pace_usd[t]`: tenant t's pace for this tick (dollars; empty: the fixed pace).
  void tick(double now_s, const std::vector<double>& spent_usd, const std::vector<double>& demand_slot_s,
            const std::vector<double>& money_pace_usd = {});

  const PriceTrajectory& trajectory() const { return trajectory_; }
  const negotiate::DualPrice& money(int tenant) const { return money_[static_cast<std::size_t>(tenant)]; }
  const negotiate::DualPrice& slots(int model) const { return slots_[static_cast<std::size_t>(model)]; }

 private:
  std::vector<negotiate::DualPrice> money_, slots_;
  PriceTrajectory trajectory_;
};

}  // namespace concord::contention

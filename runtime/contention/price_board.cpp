#include "contention/price_board.hpp"

#include "negotiate/ticked_price.hpp"

namespace concord::contention {

namespace {

negotiate::DualPriceConfig price_config(double pace, double kappa, double scale, double max_price_x) {
  negotiate::DualPriceConfig c;
  c.map = negotiate::MirrorMap::euclidean;
  c.pace = pace;
  // A pace of 0 (no budget) still needs a finite step: one unit of scale per tick.
  c.step_size = kappa / ((pace > 0 ? pace : scale) * scale);
  c.initial_price = 0;
  c.max_price = max_price_x / scale;
  return c;
}

}  // namespace

negotiate::DualPriceConfig money_price_config(const ContentionConfig& config, PriceScales scales) {
  return price_config(config.tenant_budget_usd * config.tick_s / config.window_s, config.price_step, scales.money_usd, config.max_price_x);
}

negotiate::DualPriceConfig slot_price_config(const ContentionConfig& config, int capacity, PriceScales scales) {
  return price_config(capacity * config.tick_s * config.slot_target, config.price_step, scales.slot_s, config.max_price_x);
}

PriceBoard::PriceBoard(const ContentionConfig& config, const std::vector<int>& capacity, PriceScales scales) {
  for (int t = 0; t < config.tenants; ++t) money_.emplace_back(money_price_config(config, scales));
  for (int cap : capacity) slots_.emplace_back(slot_price_config(config, cap, scales));
  trajectory_.money.resize(money_.size());
  trajectory_.money_demand.resize(money_.size());
  trajectory_.slots.resize(slots_.size());
  trajectory_.slot_demand.resize(slots_.size());
}

void PriceBoard::tick(double now_s, const std::vector<double>& spent_usd, const std::vector<double>& demand_slot_s,
                      const std::vector<double>& money_pace_usd) {
  trajectory_.time_s.push_back(now_s);
  for (std::size_t t = 0; t < money_.size(); ++t) {
    const double pace = money_[t].config().pace;
    // Consumption in units of this tick's pace, times the fixed pace (see the header).
    double consumption = spent_usd[t];
    if (t < money_pace_usd.size()) consumption = negotiate::in_fixed_pace_units(spent_usd[t], pace, money_pace_usd[t]);
    trajectory_.money_demand[t].push_back(pace > 0 ? consumption / pace : 0.0);
    trajectory_.money[t].push_back(money_[t].update(consumption));
  }
  for (std::size_t m = 0; m < slots_.size(); ++m) {
    const double pace = slots_[m].config().pace;
    trajectory_.slot_demand[m].push_back(pace > 0 ? demand_slot_s[m] / pace : 0.0);
    trajectory_.slots[m].push_back(slots_[m].update(demand_slot_s[m]));
  }
}

}  // namespace concord::contention

#include "negotiate/ticked_price.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace concord::negotiate {

TickedPrice::TickedPrice(const DualPriceConfig& config, double tick_s, double origin_s)
    : price_(config), tick_s_(tick_s), next_end_s_(origin_s + tick_s) {
  if (!(tick_s > 0) || !std::isfinite(tick_s)) throw std::invalid_argument("tick_s: must be > 0 and finite, got " + std::to_string(tick_s));
  if (!std::isfinite(origin_s)) throw std::invalid_argument("origin_s: must be finite");
}

void TickedPrice::take(double end_s, const TickObservation& o) {
  const double fixed = price_.config().pace;
  const double b = o.pace < 0 ? o.consumption : in_fixed_pace_units(o.consumption, fixed, o.pace);
  ends_.push_back(end_s);
  history_.push_back(price_.update(b));
}

}  // namespace concord::negotiate

#include "negotiate/dual_price.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace concord::negotiate {

std::string validate(const DualPriceConfig& c) {
  const auto finite_nonneg = [](double x) { return std::isfinite(x) && x >= 0; };
  if (!finite_nonneg(c.pace)) return "pace: must be >= 0 and finite";
  if (!(std::isfinite(c.step_size) && c.step_size > 0)) return "step_size: must be > 0 and finite";
  if (!finite_nonneg(c.initial_price)) return "initial_price: must be >= 0 and finite";
  if (std::isnan(c.max_price) || c.max_price < c.initial_price) return "max_price: must be >= initial_price";
  if (c.map == MirrorMap::entropic) {
    if (!(std::isfinite(c.floor) && c.floor > 0)) return "floor: must be > 0 and finite (entropic map)";
    if (c.initial_price < c.floor) return "initial_price: must be >= floor (entropic map)";
    if (c.max_price < c.floor) return "max_price: must be >= floor (entropic map)";
  }
  return {};
}

DualPrice::DualPrice(const DualPriceConfig& config) : config_(config), price_(config.initial_price) {
  if (const std::string err = validate(config); !err.empty()) throw std::invalid_argument("dual price: " + err);
}

double DualPrice::update(double consumption) {
  if (!std::isfinite(consumption) || consumption < 0) return price_;
  price_sum_ += price_;
  consumption_sum_ += consumption;
  ++steps_;
  const double gradient = config_.pace - consumption;  // g_t = rho - b_t
  double next = 0;
  double lowest = 0;
  if (config_.map == MirrorMap::euclidean) {
    next = price_ - config_.step_size * gradient;
  } else {
    next = price_ * std::exp(-config_.step_size * gradient);
    lowest = config_.floor;
  }
  if (next > config_.max_price) {
    next = config_.max_price;
    ++capped_;
  }
  // exp may overflow with an unbounded max_price: keep the price finite.
  next = std::min(next, std::numeric_limits<double>::max());
  price_ = std::max(next, lowest);
  return price_;
}

}  // namespace concord::negotiate

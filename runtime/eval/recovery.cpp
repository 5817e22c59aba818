#include "eval/recovery.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace concord::route {

std::vector<double> rolling_mean(const std::vector<double>& x, std::size_t w) {
  std::vector<double> r(x.size(), std::numeric_limits<double>::quiet_NaN());
  double s = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    s += x[t];
    if (t >= w) s -= x[t - w];
    if (t + 1 >= w) r[t] = s / static_cast<double>(w);
  }
  return r;
}

Recovery measure_recovery(const std::vector<double>& outcomes, const std::vector<double>& rolling, std::size_t shock,
                          const RecoveryRule& rule) {
  Recovery rec;
  const std::size_t from = shock > rule.baseline ? shock - rule.baseline : 0;
  double s = 0;
  for (std::size_t t = from; t < shock && t < outcomes.size(); ++t) s += outcomes[t];
  rec.pre_shock = shock > from ? s / static_cast<double>(shock - from) : 0.0;
  rec.min_after = std::numeric_limits<double>::infinity();
  for (std::size_t t = shock; t < rolling.size(); ++t)
    if (std::isfinite(rolling[t])) rec.min_after = std::min(rec.min_after, rolling[t]);
  rec.dropped = rec.min_after <= rec.pre_shock - rule.drop;
  if (!rec.dropped) return rec;
  const double level = rule.fraction * rec.pre_shock;
  std::size_t run = 0;
  for (std::size_t t = shock; t < rolling.size(); ++t) {
    run = rolling[t] >= level ? run + 1 : 0;
    if (run >= rule.streak) {
      rec.tasks_to_recover = static_cast<long>(t + 1 - rule.streak - shock);
      return rec;
    }
  }
  rec.tasks_to_recover = -1;
  return rec;
}

}  // namespace concord::route

#include "contention/arrivals.hpp"

#include <cmath>

#include "sim/rng.hpp"

namespace concord::contention {

std::vector<Arrival> poisson_arrivals(const ContentionConfig& config, int templates) {
  std::vector<Arrival> out;
  Rng rng(derive_seed(config.seed, static_cast<std::uint64_t>(config.replicate)));
  double unit_time = 0;  // arrival time of a rate-1 process
  while (true) {
    unit_time += -std::log1p(-rng.uniform());  // Exp(1) gap
    Arrival a;
    a.time_s = unit_time / config.arrival_rate_per_s;
    a.template_index = static_cast<int>(rng.below(static_cast<std::uint64_t>(templates)));
    a.tenant = static_cast<int>(rng.below(static_cast<std::uint64_t>(config.tenants)));
    a.budget_ratio = config.budget_ratios[rng.below(config.budget_ratios.size())];
    a.deadline_ratio = config.deadline_ratios[rng.below(config.deadline_ratios.size())];
    a.seed = rng.next();
    if (!(a.time_s < config.window_s)) break;
    out.push_back(a);
  }
  return out;
}

}  // namespace concord::contention

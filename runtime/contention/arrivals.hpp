#pragma once
// The arrival schedule of a contention run: a Poisson process of rate lambda over [0, window).
//
// Common random numbers across loads and policies: workflow i's attributes (template, tenant,
// budget and deadline ratios, seed) and its unit-rate arrival time u_i come from one stream,
// Rng(derive_seed(seed, replicate)), in a fixed order; its arrival is u_i / lambda. So a higher
// load adds workflows at the end and compresses the same ones in time, and every policy sees the
// same workflows with the same sample draws.
#include <cstdint>
#include <vector>

#include "contention/contention_config.hpp"
#include "model/money.hpp"

namespace concord::contention {

struct Arrival {
  double time_s = 0;          // arrival (seconds)
  int template_index = 0;     // which workflow of the workload
  int tenant = 0;
  double budget_ratio = 0;    // x the template's nominal budget
  double deadline_ratio = 0;  // x the template's nominal deadline
  std::uint64_t seed = 0;     // the workflow's episode seed (its samples' draws, its planner's stream)
};

/// Arrivals in [0, window_s) in time order. REQUIRES templates >= 1 and config.validate() empty.
std::vector<Arrival> poisson_arrivals(const ContentionConfig& config, int templates);

}  // namespace concord::contention

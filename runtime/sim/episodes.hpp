#pragma once
// Many episodes in parallel (TBB). Episode i runs with seed derive_seed(seed, i),
// so results are identical whatever the thread count.
#include <functional>
#include <memory>
#include <vector>

#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"

namespace concord {

/// Makes a fresh policy for one worker thread (policies may keep state).
using PolicyFactory = std::function<std::unique_ptr<Policy>()>;

/// Runs `count` episodes; result i is episode i. `max_threads` 0 = TBB's default.
std::vector<EpisodeResult> run_episodes(const FlatWorkflow& wf, const PolicyFactory& make_policy,
                                        const EpisodeConfig& base, int count, int max_threads = 0);

/// Wilson score interval for a binomial proportion (z = 1.96 for 95 %).
struct Proportion {
  int successes = 0;
  int trials = 0;
  double rate() const { return trials ? static_cast<double>(successes) / trials : 0.0; }
  double lower = 0, upper = 0;
};
Proportion wilson_interval(int successes, int trials, double z = 1.959963984540054);

}  // namespace concord

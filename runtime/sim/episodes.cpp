#include "sim/episodes.hpp"

#include <cmath>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "sim/simulator.hpp"

namespace concord {

std::vector<EpisodeResult> run_episodes(const FlatWorkflow& wf, const PolicyFactory& make_policy,
                                        const EpisodeConfig& base, int count, int max_threads) {
  std::vector<EpisodeResult> results(static_cast<std::size_t>(std::max(count, 0)));
  auto body = [&](const tbb::blocked_range<int>& range) {
    Simulator sim(wf);
    auto policy = make_policy();
    for (int i = range.begin(); i != range.end(); ++i) {
      EpisodeConfig cfg = base;
      cfg.seed = derive_seed(base.seed, static_cast<std::uint64_t>(i));
      sim.run(*policy, cfg, results[static_cast<std::size_t>(i)]);
    }
  };
  const int threads = max_threads > 0 ? max_threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads);
  arena.execute([&] { tbb::parallel_for(tbb::blocked_range<int>(0, count, 16), body); });
  return results;
}

Proportion wilson_interval(int successes, int trials, double z) {
  Proportion p;
  p.successes = successes;
  p.trials = trials;
  if (trials <= 0) return p;
  const double n = trials, phat = successes / n, z2 = z * z;
  const double centre = (phat + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z * std::sqrt(phat * (1 - phat) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  p.lower = std::max(0.0, centre - half);
  p.upper = std::min(1.0, centre + half);
  return p;
}

}  // namespace concord

#pragma once
// Per-subtask rollout statistics shipped with the MCPP reference code
// (datasets/mcpp/example_rollout_stats.csv): the distribution its synthetic
// DAGs draw subtask profiles from. One row per (subtask, model) rollout batch.
#include <string>
#include <vector>

namespace concord {

struct RolloutStat {
  double success_prob = 0;  // in [0, 1]
  double lat_mean = 0;      // seconds, >= 0
  double lat_std = 0;       // seconds, >= 0
  double tokens_mean = 0;   // output tokens, >= 0 (the CSV's cost_mean column)

  friend bool operator==(const RolloutStat&, const RolloutStat&) = default;
};

/// Reads a CSV with a header naming (in any order, extra columns ignored)
/// success_prob, lat_mean, lat_std and cost_mean. Blank lines are skipped.
/// Throws InputError naming the file, "line N, column NAME" and the reason on
/// a missing file, a bad header, a short row, a bad/non-finite/negative number,
/// success_prob outside [0, 1], or a file without data rows.
std::vector<RolloutStat> read_rollout_stats(const std::string& path);

}  // namespace concord

#pragma once
// The bounds of every number Concord accepts, in one place. They are chosen so
// that every cost and time Concord computes from accepted input fits its type:
//
//   one sample's cost  <= (kMaxTokens input + kMaxTokens output) x kMaxPicoPerToken
//                       = 2e8 x 1e10 = 2e18 picodollars < INT64_MAX (9.22e18);
//   a budget           <= kMaxBudget = 1e18 picodollars ($1M);
//   so spent + reserved <= budget never overflows, and a batch's reservation
//   (k x one sample, k <= kMaxSamplesPerAssignment) is computed saturating
//   (model/money.hpp): a batch that cannot be represented is simply denied.
//
// Times are double seconds, bounded so that deadlines and latencies stay far from
// what timers (the actors' std::chrono durations in nanoseconds: 2^63 ns = 292 years)
// and the simulator's clock can hold after scaling. Readers, command lines and
// builders refuse anything outside these bounds with exit code 2 (docs/workflow-format.md).
#include <cstddef>
#include <cstdint>

namespace concord::limits {

/// Subtasks in one workflow. The planner plans any accepted size in bounded time
/// (McppConfig::work_budget); the simulator and actors are linear in it.
inline constexpr int kMaxSubtasks = 10'000;
/// A subtask's prompt template (bytes).
inline constexpr std::size_t kMaxPromptBytes = 1u << 20;
/// Models in one workflow.
inline constexpr int kMaxModels = 256;
/// Recorded samples in one profile (a sample index is 32 bits; this keeps the
/// whole workflow's sample array far below that).
inline constexpr std::int64_t kMaxSamplesPerProfile = 100'000;
/// Recorded samples in a whole workflow.
inline constexpr std::int64_t kMaxSamplesTotal = 50'000'000;

/// Tokens of one sample: output tokens, a subtask's input tokens, a model's token cap,
/// a parametric mean. 1e8 is 50x the largest context window offered today.
inline constexpr std::int64_t kMaxTokens = 100'000'000;
/// Dollars per 1M tokens (input or output): 1e4 $ is ~20x the dearest model offered today.
inline constexpr double kMaxUsdPerMtok = 10'000.0;
/// The same in picodollars per token (usd_per_mtok x 1e6).
inline constexpr std::int64_t kMaxPicoPerToken = 10'000'000'000;

/// Budgets in dollars (workflow files, --budget, nominal budgets are clamped to it).
inline constexpr double kMaxBudgetUsd = 1'000'000.0;

/// Seconds: deadlines, latencies, latency means and standard deviations
/// (1e7 s is 116 days). Nominal deadlines are clamped to it.
inline constexpr double kMaxSeconds = 10'000'000.0;

/// Batches launched on one subtask before the run gives up on it (EndReason::attempts_exhausted).
/// With p >= 0.05 per sample, reaching it has probability < 1e-22; it exists so that a
/// subtask that fails in zero time at zero cost cannot keep a run alive forever.
inline constexpr int kMaxAttemptsPerSubtask = 1000;

}  // namespace concord::limits

#pragma once
// The policy interface: at every replan point the simulator shows the policy
// the state and asks for an action: (model, k) for dispatchable ready subtasks.
#include <atomic>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "model/money.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/rng.hpp"

namespace concord {

/// Execution semantics (DESIGN.md §3).
enum class Semantics : std::uint8_t {
  reference,  // the MCPP paper's code: atomic launch, charge at launch, batches end at their slowest sample
  runtime,    // a real deployment: reserve worst case, token caps, first success cancels siblings
};

enum class SubtaskStatus : std::uint8_t { blocked, ready, running, done };

/// A sample still running. finish_s is its true end (the reference's planner sees
/// it; its success stays hidden and planners redraw it).
struct InFlightSample {
  int subtask = 0;
  int model = 0;
  double start_s = 0;
  double finish_s = 0;
};

/// What a policy sees. Valid only during Policy::decide.
struct SimState {
  const FlatWorkflow* workflow = nullptr;
  Semantics semantics = Semantics::runtime;
  double now_s = 0;
  double deadline_s = std::numeric_limits<double>::infinity();
  Money budget = 0;
  Money spent = 0;     // reference: charged at launch; runtime: committed
  Money reserved = 0;  // runtime only: outstanding reservations of running samples
  std::span<const SubtaskStatus> status;
  std::span<const int> attempts;      // batches launched per subtask so far
  std::span<const int> dispatchable;  // ready subtasks, ascending index
  std::span<const InFlightSample> in_flight;  // unfinished samples of running batches
  std::span<const std::uint8_t> partial_success;  // per subtask: a finished sample of its running batch succeeded
  /// EpisodeConfig::stop: a long decision may end early when it becomes true (the run is
  /// being interrupted and will not launch what the decision returns).
  const std::atomic<bool>* stop = nullptr;

  double remaining_time_s() const { return deadline_s - now_s; }
  Money remaining_budget() const { return budget - spent - reserved; }
};

/// Launch k parallel samples of `model` on `subtask`.
struct Assignment {
  int subtask = 0;
  int model = 0;
  int k = 1;
  friend bool operator==(const Assignment&, const Assignment&) = default;
};

/// Largest k accepted in one assignment: every sample of a batch needs its own id.
inline constexpr int kMaxSamplesPerAssignment = static_cast<int>(exec::kSampleIdsPerBatch);

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string name() const = 0;
  /// Called once before every episode.
  virtual void reset() {}
  /// Appends assignments to `out` (empty on entry). Reference semantics require one
  /// for every dispatchable subtask; runtime semantics allow deferring some.
  /// `rng` is the policy's own stream (independent of the environment's draws).
  virtual void decide(const SimState& state, Rng& rng, std::vector<Assignment>& out) = 0;
};

}  // namespace concord

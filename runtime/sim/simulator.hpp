#pragma once
// The discrete-event simulator of workflow execution (DESIGN.md §3), in both
// semantics. It is the specification the planner and the actor runtime are
// checked against. A Simulator reuses its buffers across episodes; it is not
// thread-safe (use one per thread), the FlatWorkflow it reads is shared.
#include <cstdint>
#include <vector>

#include "sim/episode.hpp"
#include "sim/flat_workflow.hpp"
#include "sim/policy.hpp"
#include "sim/workflow_progress.hpp"

namespace concord {

class Simulator {
 public:
  explicit Simulator(const FlatWorkflow& wf);

  /// Runs one episode. Deterministic: same workflow, policy, config -> same result.
  /// Throws std::logic_error if the policy returns an invalid action (a policy bug).
  EpisodeResult run(Policy& policy, const EpisodeConfig& config);
  void run(Policy& policy, const EpisodeConfig& config, EpisodeResult& out);

 private:
  struct SampleRun {  // one sample of a running batch, fully determined at launch
    double end_s;     // when it stops (finishes, is truncated or is cancelled)
    Money cost;       // what it is charged
    bool success;     // finished successfully (not truncated, not cancelled)
    bool truncated;
    bool cancelled;
    int subtask, model;
    std::uint32_t batch;
    double start_s;
    double latency_s;      // effective (after truncation): pro-rata charges use it
    std::int64_t tokens;   // effective output tokens if it ran to its end
  };
  struct Batch {
    int subtask;
    std::size_t trace;      // index into EpisodeResult::attempts
    std::uint32_t first;    // range in samples_
    std::uint32_t count;
    double end_s;
    bool success;
    Money reservation;      // runtime: reserved per sample
    bool open;
  };
  struct Event {
    double time_s;
    int kind;  // 0 sample end (commit/release), 1 batch end: sample ends first at equal times
    std::uint64_t seq;
    std::uint32_t index;  // sample or batch index
    bool operator>(const Event& o) const {
      if (time_s != o.time_s) return time_s > o.time_s;
      if (kind != o.kind) return kind > o.kind;
      return seq > o.seq;
    }
  };

  void reset(const EpisodeConfig& config, EpisodeResult& out);
  /// Asks the policy and launches; returns false when the episode ended.
  bool decide_and_launch(Policy& policy, EpisodeResult& out);
  void validate_action(const std::vector<Assignment>& action) const;
  bool launch_reference(EpisodeResult& out);
  bool launch_runtime(EpisodeResult& out);
  bool launch_per_sample(EpisodeResult& out);
  std::uint32_t open_batch(EpisodeResult& out, const Assignment& a, Money reservation_per_sample);
  /// Sample j of batch `attempt` of a.subtask (exec::sample_seed: the draw the cluster's worker makes).
  Draw draw_sample(const Assignment& a, int attempt, int j) const;
  /// The attempt number the next batch of subtask s will have.
  int next_attempt(int s) const { return progress_.attempts()[static_cast<std::size_t>(s)] + 1; }
  /// Charge of sample s if stopped at time t (pro-rata to elapsed / latency, rounded down in tokens).
  Money charge_until(const SampleRun& s, double t) const;
  void push_event(double t, int kind, std::uint32_t index);
  Event pop_event();
  void finish(EpisodeResult& out, EndReason reason, double at_s);
  void cancel_in_flight(EpisodeResult& out, double at_s);
  /// Reference semantics: ends the open batches at at_s (their samples were charged at launch).
  void close_in_flight(EpisodeResult& out, double at_s);
  /// EpisodeConfig::stop was set: settles what runs and ends the episode as interrupted.
  void interrupt(EpisodeResult& out);

  const FlatWorkflow& wf_;
  EpisodeConfig cfg_;
  Rng policy_rng_;
  double now_ = 0;
  Money spent_ = 0, reserved_ = 0;
  bool ended_ = false;
  WorkflowProgress progress_;
  std::vector<int> dispatchable_;
  std::vector<std::uint64_t> seed_roots_;  // per subtask: exec::subtask_seed_root of this episode
  std::vector<SampleRun> samples_;
  std::vector<Batch> batches_;
  std::vector<InFlightSample> in_flight_view_;
  std::vector<std::uint8_t> partial_success_;
  std::vector<Event> heap_;
  std::uint64_t seq_ = 0;
  std::vector<Assignment> action_;
  std::vector<Draw> draws_;
  std::vector<char> seen_;
};

}  // namespace concord

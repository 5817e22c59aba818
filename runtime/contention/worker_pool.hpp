#pragma once
// The shared pool of a contention run: each model has W workers, each worker S slots
// (concurrent samples). A sample sent to a worker takes a free slot at once or waits in the
// worker's FIFO queue; a sample never waits invisibly: the beacons (free slots, queue length,
// service-time EWMA per model) show it, and its wait is part of the simulation.
//
// Routing: a new sample goes to the model's worker with the fewest samples (running + queued),
// ties to the lowest index (what a selector reading the beacons' load does).
//
// Accounting: advance(now) integrates per model, over time, busy slots (utilisation) and
// busy + queued samples (slot demand: what negotiation's slot price compares with capacity).
// Units: seconds, slots, slot-seconds. Deterministic, single-threaded.
#include <cstdint>
#include <deque>
#include <vector>

namespace concord::contention {

class WorkerPool {
 public:
  /// REQUIRES models, workers_per_model, slots_per_worker >= 1. `initial_service_s[m]` starts
  /// model m's service-time EWMA (the beacons' latency figure before any sample ended).
  WorkerPool(int models, int workers_per_model, int slots_per_worker, std::vector<double> initial_service_s);

  /// The worker a new sample of model m goes to.
  int choose_worker(int model) const;
  /// Sends sample `sample` (caller's index) to `worker`: true if it took a slot (it runs from
  /// now), false if it waits in the queue. Call advance(now) first.
  bool enqueue(int worker, int sample);
  /// A running sample of `worker` stopped (finished or cancelled): its slot goes to the head of
  /// the queue, whose index is returned (it runs from now), or -1 if none waits.
  int release_slot(int worker);
  /// Removes a waiting sample from its worker's queue (cancelled before it ran). False if absent.
  bool remove_queued(int worker, int sample);
  /// 0-based position of a waiting sample in its worker's queue, or -1.
  int queue_position(int worker, int sample) const;
  /// Records a service time (seconds) of a sample of model m that ran to its end (EWMA, rate 0.1).
  void observe_service(int model, double seconds);

  /// Integrates busy and demand slot-seconds up to now_s (never backwards).
  void advance(double now_s);

  // -- beacons (per model) --
  int models() const { return models_; }
  int capacity(int /*model*/) const { return workers_per_model_ * slots_; }
  int slots_per_worker() const { return slots_; }
  int model_of(int worker) const { return worker / workers_per_model_; }
  int free_slots(int model) const;
  int queue_length(int model) const;
  int busy(int model) const { return capacity(model) - free_slots(model); }
  double service_ewma_s(int model) const { return service_ewma_s_[static_cast<std::size_t>(model)]; }

  // -- accounting --
  double busy_slot_s(int model) const { return busy_slot_s_[static_cast<std::size_t>(model)]; }
  double demand_slot_s(int model) const { return demand_slot_s_[static_cast<std::size_t>(model)]; }

 private:
  struct Worker {
    int running = 0;
    std::deque<int> queue;
  };
  int models_, workers_per_model_, slots_;
  std::vector<Worker> workers_;  // model-major: worker w of model m is m * W + w
  std::vector<double> service_ewma_s_, busy_slot_s_, demand_slot_s_;
  double now_s_ = 0;
};

}  // namespace concord::contention

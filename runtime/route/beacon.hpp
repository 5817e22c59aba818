#pragma once
// A beacon: what a worker (one endpoint serving one model) advertises about
// itself, periodically, to every selector. Units: seconds, fractions in [0, 1].
#include <string>
#include <vector>

namespace concord::route {

struct Beacon {
  std::string worker_id;            // unique per worker (endpoint / replica)
  std::string model_id;             // the model it serves
  std::vector<double> capability;   // match features, compared with a subtask's requirement vector
  double load = 0;                  // utilisation in [0, 1]
  int queue_length = 0;             // samples at the worker (on the actors: running + waiting), >= 0
  double latency_ewma_s = 0;        // EWMA of recent sample latency, seconds, >= 0
  double reputation = 0.5;          // in [0, 1]: EWMA of recent success, as published for the worker
  bool available = true;            // false: the worker asks not to receive work (draining, full)
  double timestamp_s = 0;           // emission time, seconds, on the selector's clock
  // Slots (issue 13): how many more samples the worker would start at once, and how many wait
  // for a slot. free_slots < 0: unlimited (no slots configured; queued is then 0). With slots,
  // the worker's capacity is queue_length - queued + free_slots (running + free).
  int free_slots = -1;
  int queued = 0;                   // samples waiting for a slot, >= 0
};

}  // namespace concord::route

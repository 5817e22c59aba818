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
  int queue_length = 0;             // samples waiting at the worker, >= 0
  double latency_ewma_s = 0;        // EWMA of recent sample latency, seconds, >= 0
  double reputation = 0.5;          // in [0, 1]: EWMA of recent success, as published for the worker
  bool available = true;            // false: the worker asks not to receive work (draining, full)
  double timestamp_s = 0;           // emission time, seconds, on the selector's clock
};

}  // namespace concord::route

#pragma once
// What a planner knows of the resources it shares with other workflows (issue 13,
// docs/negotiation.md "The contention simulator"): the prices their owners post and the load
// the workers' beacons report. No global view: only these posted figures.
//
//  - Queueing delay (beacons: free slots and queue length per model). A new sample on model m
//    is at position p = queue_ahead[m] + j for sample j (0-based) of its batch, counted past
//    the free slots (queue_ahead = queue length - free slots, may be negative). It waits
//      delay_j = max(0, queue_ahead[m] + j + 1) x wait_per_position_s[m]   (seconds)
//    (the (p+1)-th of C busy slots to free, each freeing at rate 1 / mean service time:
//    wait_per_position_s = mean service time / C). MCPP's rollouts add delay_j to the start of
//    every sample of a batch they launch (the root's running samples keep their own view).
//  - Prices (negotiate/dual_price.hpp): money_price per dollar of the tenant's budget, and
//    slot_price[m] per slot-second of model m's workers. MCPP then picks, over its (candidate,
//    continuation) pairs, the largest  value - money_price x cost_usd - sum_m slot_price[m] x slot_s[m]
//    (negotiate/priced_choice.hpp): value = the pair's completion estimate, cost_usd = the mean
//    money its rollouts spent (the cost to go of the workflow), slot_s[m] = sum over the
//    candidate's assignments on m of k x the pair's mean latency (slot-seconds it asks for now).
//    "Wait" (launch nothing now; value 0, no use) is the first option: unless some pair scores
//    more, the decision launches nothing (McppDecisionStats::priced_wait) -- the primal step
//    of dual mirror descent may decline a request. Only under a positive price.
//
// Neutral outlook (empty vectors or zeros, prices 0): every decision is exactly MCPP's
// without an outlook (the delays are 0.0 added to each latency, the argmax is the unpriced one).
#include <limits>
#include <vector>

#include "route/slot_wait.hpp"

namespace concord {

struct McppOutlook {
  std::vector<double> queue_ahead;          // per model: queue length - free slots (samples); empty: no queue
  std::vector<double> wait_per_position_s;  // per model: seconds of waiting per sample ahead (>= 0)
  double money_price = 0;                   // value per dollar (>= 0)
  std::vector<double> slot_price;           // per model: value per slot-second (>= 0); empty: all 0

  /// Some delay can be positive (a queue is modelled in the rollouts).
  bool has_queue() const {
    for (std::size_t m = 0; m < wait_per_position_s.size() && m < queue_ahead.size(); ++m)
      if (wait_per_position_s[m] > 0) return true;
    return false;
  }
  /// Some price is positive (the choice is priced).
  bool has_price() const {
    if (money_price > 0) return true;
    for (double p : slot_price)
      if (p > 0) return true;
    return false;
  }
  /// The outlook of the selectors' expected waits (wait_atom, seconds, per model): sample j of a
  /// batch on m waits (j + 1) x wait_s[m] — queue_ahead 0, one wait per position. Exact for the
  /// first sample, and for the others on a pool whose first free slot is one worker's only one;
  /// an over-estimate where several slots free at once (one figure cannot say more). A model with
  /// no live worker (+inf) or a non-finite or negative wait: no delay (its batch fails anyway).
  static McppOutlook of_waits(const std::vector<double>& wait_s) {
    McppOutlook o;
    o.queue_ahead.assign(wait_s.size(), 0.0);
    o.wait_per_position_s.assign(wait_s.size(), 0.0);
    for (std::size_t m = 0; m < wait_s.size(); ++m)
      if (wait_s[m] > 0 && wait_s[m] < std::numeric_limits<double>::infinity()) o.wait_per_position_s[m] = wait_s[m];
    return o;
  }
  /// The waiting time of sample j (0-based) of a batch launched now on model m (seconds).
  double delay_s(int m, int j) const {
    const auto i = static_cast<std::size_t>(m);
    if (i >= queue_ahead.size() || i >= wait_per_position_s.size()) return 0.0;
    return route::queue_wait_s(queue_ahead[i] + static_cast<double>(j) + 1.0, wait_per_position_s[i]);  // the beacons' rule
  }
};

}  // namespace concord

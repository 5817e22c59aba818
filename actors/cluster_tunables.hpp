#pragma once
// The cluster's tunables, each with its one default. Every options struct of actors/ and of
// the `concord` commands (nodes/cli) takes its defaults from kDefaultTunables; change one here.
// Units: real seconds unless said otherwise.
#include <cstddef>

namespace concord::actors {

struct ClusterTunables {
  double time_scale = 20;              // simulated seconds per real second (simulated workers; a request's own wins)
  double beacon_interval_s = 0.05;     // between two beacons of a worker
  double stale_after_intervals = 4;    // a worker silent this many beacon intervals is presumed dead
  double heartbeat_interval_s = 0.05;  // CAF middleman heartbeats between nodes
  double connection_timeout_s = 0.4;   // a peer silent this long is dropped (>= 2 x heartbeat): a hang is seen in 0.35-0.45 s
  double cancel_grace_s = 2.0;         // cancelled samples that never report are given up after this: a hung
                                       // worker or a lost result holds a workflow's end past its deadline by at most this much
  double ledger_retry_s = 0.5;         // a batch that has no answer from its ledger this long asks again (same ids:
                                       // idempotent); each lost message delays a batch by at most this much
  int ledger_attempts = 6;             // then it gives up: the reserve is refused, or the commit failed (money stays reserved)
  int planner_restarts = 8;            // a workflow replaces a planner that died at most this many times, then fails
  std::size_t top_l = 4;               // workers screened per pick and offered to LinUCB (route::ScreenConfig::top_l)
};

inline constexpr ClusterTunables kDefaultTunables{};

}  // namespace concord::actors

#pragma once
// The host-level fault of one multi-host chaos run (`concord chaos --hosts N`, on a
// deploy/netns cluster): a node killed and restarted, stopped and continued, cut off from the
// bridge and reconnected, or its link slowed and made lossy. Pure: plan_host_fault(seed, run, ...)
// is the same on every machine, so a run's schedule is replayed from (seed, run); the run itself
// is not (real processes, real time).
#include <cstdint>
#include <string>
#include <string_view>

namespace concord::chaos {

enum class HostFaultKind : std::uint8_t {
  kill_restart,     // kill -9 of the node at start_s, started again (same arguments) at start_s + length_s
  stop_continue,    // SIGSTOP at start_s, SIGCONT at start_s + length_s
  partition_heal,   // the host's bridge port down at start_s, up at start_s + length_s
  degrade_link,     // from start_s to start_s + length_s the host's link delays and loses packets:
                    // tc netem (delay, jitter, loss) where the kernel has it, else a tbf throttle
};
inline constexpr int kHostFaultKinds = 4;

std::string_view to_string(HostFaultKind k);

struct HostFault {
  HostFaultKind kind = HostFaultKind::kill_restart;
  int host = 1;            // 1..hosts-1: host 0 (the gateway, hosting the workflow) is never hit
  double start_s = 0;      // real seconds after the workflow was submitted
  double length_s = 0;     // real seconds the fault lasts
  int delay_ms = 0, jitter_ms = 0;  // degrade_link with netem
  double loss_percent = 0;          // degrade_link with netem
  int throttle_kbit = 0;            // degrade_link without netem: tbf rate (kbit/s)
  /// The `tc qdisc ... netem` arguments, e.g. "delay 50ms 20ms loss 5.0%".
  std::string netem_spec() const;
};

/// REQUIRES: hosts >= 2, run_deadline_real_s > 0 (the run's deadline in real seconds).
/// The kind goes round the four kinds from a seeded offset (every kind equally often: R runs hit
/// each kind floor(R/4) or ceil(R/4) times); the host is drawn in 1..hosts-1; the start in the
/// first 60 % of the deadline; the length in [0.2, 2) real seconds (longer than the cluster's
/// connection timeout, 0.4 s, most of the time); degrade_link: netem delay 10-100 ms, jitter
/// up to half of it, loss 0-10 %, or a throttle of 16-256 kbit/s.
HostFault plan_host_fault(std::uint64_t root_seed, std::uint64_t run, int hosts, double run_deadline_real_s);

}  // namespace concord::chaos

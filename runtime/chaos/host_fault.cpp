#include "chaos/host_fault.hpp"

#include <fmt/format.h>

#include "sim/rng.hpp"

namespace concord::chaos {

std::string_view to_string(HostFaultKind k) {
  switch (k) {
    case HostFaultKind::kill_restart: return "kill_restart";
    case HostFaultKind::stop_continue: return "stop_continue";
    case HostFaultKind::partition_heal: return "partition_heal";
    case HostFaultKind::degrade_link: return "degrade_link";
  }
  return "unknown";
}

std::string HostFault::netem_spec() const { return fmt::format("delay {}ms {}ms loss {:.1f}%", delay_ms, jitter_ms, loss_percent); }

HostFault plan_host_fault(std::uint64_t root_seed, std::uint64_t run, int hosts, double run_deadline_real_s) {
  Rng rng(derive_seed(root_seed ^ 0x4057u, run));
  HostFault f;
  const std::uint64_t offset = Rng(derive_seed(root_seed ^ 0x4057u, ~0ull)).below(kHostFaultKinds);
  f.kind = static_cast<HostFaultKind>((run + offset) % kHostFaultKinds);
  f.host = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(hosts > 1 ? hosts - 1 : 1)));
  f.start_s = 0.6 * run_deadline_real_s * rng.uniform();
  f.length_s = 0.2 + 1.8 * rng.uniform();
  f.delay_ms = 10 + static_cast<int>(rng.below(91));
  f.jitter_ms = static_cast<int>(rng.below(static_cast<std::uint64_t>(f.delay_ms / 2 + 1)));
  f.loss_percent = 0.1 * static_cast<double>(rng.below(101));
  f.throttle_kbit = 16 << static_cast<int>(rng.below(5));
  return f;
}

}  // namespace concord::chaos

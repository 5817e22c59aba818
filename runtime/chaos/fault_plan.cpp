#include "chaos/fault_plan.hpp"

#include <iterator>

#include "sim/rng.hpp"

namespace concord::chaos {

RunPlan plan_run(std::uint64_t root_seed, std::uint64_t run, const std::vector<double>& nominal_deadlines_s, const PlanOptions& o) {
  Rng rng(derive_seed(root_seed, run));
  RunPlan p;
  p.seed = derive_seed(root_seed ^ 0xC4A05u, run);
  p.workflow = nominal_deadlines_s.empty() ? 0 : static_cast<std::uint32_t>(rng.below(nominal_deadlines_s.size()));
  const double nominal_deadline_s = nominal_deadlines_s.empty() ? 0 : nominal_deadlines_s[p.workflow];
  p.budget_ratio = 0.3 + 1.2 * rng.uniform();    // tight to ample
  p.deadline_ratio = 0.5 + 1.5 * rng.uniform();
  const double deadline_s = nominal_deadline_s * p.deadline_ratio;
  const int n = 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(o.max_faults > 0 ? o.max_faults : 1)));
  for (int i = 0; i < n; ++i) {
    PlacedFault f;
    f.worker = static_cast<std::uint32_t>(rng.next() >> 32);
    f.fault.kind = o.kinds.empty() ? static_cast<WorkerFaultKind>(rng.below(kWorkerFaultKinds))
                                   : o.kinds[rng.below(o.kinds.size())];
    f.fault.from_s = 0.6 * deadline_s * rng.uniform();
    const double length = (0.05 + 0.25 * rng.uniform()) * deadline_s;
    f.fault.to_s = f.fault.from_s + length;
    switch (f.fault.kind) {
      case WorkerFaultKind::slow: f.fault.factor = 2 + 6 * rng.uniform(); break;
      case WorkerFaultKind::lie_tokens: f.fault.factor = 2 + 98 * rng.uniform(); break;
      case WorkerFaultKind::delay_result: f.fault.factor = (0.05 + 0.35 * rng.uniform()) * deadline_s; break;
      default: f.fault.factor = 1; break;
    }
    p.faults.push_back(f);
  }
  if (o.max_point_faults > 0) {
    Rng points(derive_seed(root_seed ^ 0xB0661F7u, run));
    const auto n_points = static_cast<int>(points.below(static_cast<std::uint64_t>(o.max_point_faults) + 1));
    for (int i = 0; i < n_points; ++i) {
      PointFault f;
      f.point = kChaosPoints[points.below(std::size(kChaosPoints))];
      f.after = static_cast<std::int64_t>(points.below(f.point == FaultPoint::planner_crash ? 15 : 40));
      bool taken = false;
      for (const auto& g : p.points) taken = taken || g.point == f.point;
      if (!taken) p.points.push_back(f);
    }
  }
  if (o.max_companions >= 0) {
    Rng tenant(derive_seed(root_seed ^ 0x7E4A47u, run));
    p.tenant.on = tenant.uniform() < 0.5;
    if (p.tenant.on) {
      p.tenant.budget_ratio = 0.1 + 0.9 * tenant.uniform();
      const auto n = tenant.below(static_cast<std::uint64_t>(o.max_companions) + 1);
      for (std::uint64_t i = 0; i < n; ++i) {
        CompanionRun c;
        c.seed = derive_seed(root_seed ^ 0xC0A1u, run * 16 + i);
        c.budget_ratio = 0.3 + 1.2 * tenant.uniform();
        c.deadline_ratio = 0.5 + 1.5 * tenant.uniform();
        p.tenant.companions.push_back(c);
      }
    }
  }
  return p;
}

}  // namespace concord::chaos
